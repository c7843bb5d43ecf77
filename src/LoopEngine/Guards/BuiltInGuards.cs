namespace LoopEngine;

/// <summary>Guards the engine ships, to register for a guard id with <c>AddGuard</c>.</summary>
public static class BuiltInGuards
{
    /// <summary>Passes when the actor is an AI agent whose confidence is at least <paramref name="threshold"/>, or not an AI agent.</summary>
    /// <param name="threshold">The minimum confidence in [0, 1].</param>
    /// <returns>The guard.</returns>
    public static ILoopGuard MinimumConfidence(double threshold)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(threshold, 0d);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(threshold, 1d);
        return new DelegateGuard(args => args.Actor.Type != ActorType.AiAgent || (args.Actor.Confidence ?? 0) >= threshold
            ? GuardResult.Pass
            : GuardResult.Fail($"AI confidence {args.Actor.Confidence?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "(none)"} is below the threshold {threshold.ToString(System.Globalization.CultureInfo.InvariantCulture)}."));
    }

    /// <summary>Passes when at least <paramref name="cooldown"/> has passed since the instance's last trace record.</summary>
    /// <param name="cooldown">The minimum time since the last step.</param>
    /// <returns>The guard.</returns>
    public static ILoopGuard Cooldown(TimeSpan cooldown)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(cooldown, TimeSpan.Zero);
        return new DelegateGuard(args =>
        {
            var since = args.Now - args.Instance.UpdatedAt;
            return since >= cooldown ? GuardResult.Pass : GuardResult.Fail($"Only {since} has passed since the last step; the cooldown is {cooldown}.");
        });
    }

    /// <summary>Passes only for human actors.</summary>
    /// <returns>The guard.</returns>
    public static ILoopGuard HumanOnly() =>
        new DelegateGuard(args => args.Actor.Type == ActorType.Human ? GuardResult.Pass : GuardResult.Fail($"Only a human may take this step; the actor '{args.Actor.Id}' is {args.Actor.Type.ToWireName()}."));

    /// <summary>Passes when every named evidence field is present and not null.</summary>
    /// <param name="fields">The field names.</param>
    /// <returns>The guard.</returns>
    public static ILoopGuard RequiredEvidence(params string[] fields)
    {
        var copy = fields.ToArray();
        return new DelegateGuard(args =>
        {
            var missing = copy.Where(f => !args.Evidence.Has(f)).ToList();
            return missing.Count == 0 ? GuardResult.Pass : GuardResult.Fail($"Evidence is missing required field(s): {string.Join(", ", missing)}.");
        });
    }

    /// <summary>Creates a guard from a function.</summary>
    /// <param name="evaluate">The check.</param>
    /// <returns>The guard.</returns>
    public static ILoopGuard From(Func<GuardArguments, GuardResult> evaluate) => new DelegateGuard(evaluate);

    /// <summary>Creates a guard from an asynchronous function.</summary>
    /// <param name="evaluate">The check.</param>
    /// <returns>The guard.</returns>
    public static ILoopGuard FromAsync(Func<GuardArguments, ValueTask<GuardResult>> evaluate) => new AsyncDelegateGuard(evaluate);

    private sealed class DelegateGuard(Func<GuardArguments, GuardResult> evaluate) : ILoopGuard
    {
        public ValueTask<GuardResult> EvaluateAsync(GuardArguments arguments) => ValueTask.FromResult(evaluate(arguments));
    }

    private sealed class AsyncDelegateGuard(Func<GuardArguments, ValueTask<GuardResult>> evaluate) : ILoopGuard
    {
        public ValueTask<GuardResult> EvaluateAsync(GuardArguments arguments) => evaluate(arguments);
    }
}
