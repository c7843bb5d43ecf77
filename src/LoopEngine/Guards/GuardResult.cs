namespace LoopEngine;

/// <summary>The result of a guard: passed, or failed with a message.</summary>
public readonly record struct GuardResult
{
    private GuardResult(bool passed, string? message)
    {
        Passed = passed;
        Message = message;
    }

    /// <summary>Gets a passing result.</summary>
    public static GuardResult Pass => new(true, null);

    /// <summary>Gets a value indicating whether the guard passed.</summary>
    public bool Passed { get; }

    /// <summary>Gets the failure message, or <see langword="null"/> to use the guard's own failure message.</summary>
    public string? Message { get; }

    /// <summary>Creates a failing result.</summary>
    /// <param name="message">Why it failed, or <see langword="null"/> for the guard's failure message.</param>
    /// <returns>The result.</returns>
    public static GuardResult Fail(string? message = null) => new(false, message);
}
