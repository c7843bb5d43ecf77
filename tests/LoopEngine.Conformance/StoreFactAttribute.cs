using Xunit.Abstractions;
using Xunit.Sdk;

namespace LoopEngine.Conformance;

/// <summary>
/// A conformance fact. It is skipped, with a visible reason, when the deriving test class declares
/// <see cref="RequiresEnvironmentVariableAttribute"/> and that variable is unset on a developer machine; with
/// <c>CI=true</c> it always runs (and fails without its database).
/// </summary>
[XunitTestCaseDiscoverer("LoopEngine.Conformance.StoreFactDiscoverer", "LoopEngine.Conformance")]
[AttributeUsage(AttributeTargets.Method)]
public sealed class StoreFactAttribute : FactAttribute;

/// <summary>Declares that a store test class needs an environment variable (such as a connection string).</summary>
/// <param name="name">The variable's name.</param>
/// <param name="reason">Why, shown when the tests are skipped.</param>
[AttributeUsage(AttributeTargets.Class)]
public sealed class RequiresEnvironmentVariableAttribute(string name, string reason) : Attribute
{
    /// <summary>Gets the variable's name.</summary>
    public string Name { get; } = name;

    /// <summary>Gets why the variable is needed.</summary>
    public string Reason { get; } = reason;

    /// <summary>Gets the skip reason for a class, or <see langword="null"/> to run its tests.</summary>
    public static string? SkipReason(Type testClass)
    {
        if (string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }

        var required = (RequiresEnvironmentVariableAttribute?)GetCustomAttribute(testClass, typeof(RequiresEnvironmentVariableAttribute));
        return required is not null && string.IsNullOrEmpty(Environment.GetEnvironmentVariable(required.Name))
            ? $"{required.Name} is not set: {required.Reason}"
            : null;
    }
}

/// <summary>Discovers <see cref="StoreFactAttribute"/> tests, skipping them per the deriving class's requirements.</summary>
public sealed class StoreFactDiscoverer(IMessageSink diagnosticMessageSink) : IXunitTestCaseDiscoverer
{
    /// <inheritdoc/>
    public IEnumerable<IXunitTestCase> Discover(ITestFrameworkDiscoveryOptions discoveryOptions, ITestMethod testMethod, IAttributeInfo factAttribute)
    {
        yield return new StoreTestCase(diagnosticMessageSink, discoveryOptions.MethodDisplayOrDefault(), discoveryOptions.MethodDisplayOptionsOrDefault(), testMethod);
    }
}

/// <summary>A test case whose skip reason comes from its class's <see cref="RequiresEnvironmentVariableAttribute"/>.</summary>
public sealed class StoreTestCase : XunitTestCase
{
    /// <summary>Initializes a new instance of the <see cref="StoreTestCase"/> class, for the de-serializer.</summary>
    [Obsolete("Called by the de-serializer; should only be called by deriving classes for de-serialization purposes")]
    public StoreTestCase()
    {
    }

    /// <summary>Initializes a new instance of the <see cref="StoreTestCase"/> class.</summary>
    public StoreTestCase(IMessageSink diagnosticMessageSink, TestMethodDisplay defaultMethodDisplay, TestMethodDisplayOptions defaultMethodDisplayOptions, ITestMethod testMethod)
        : base(diagnosticMessageSink, defaultMethodDisplay, defaultMethodDisplayOptions, testMethod)
    {
    }

    /// <inheritdoc/>
    protected override string GetSkipReason(IAttributeInfo factAttribute) =>
        RequiresEnvironmentVariableAttribute.SkipReason(TestMethod.TestClass.Class.ToRuntimeType()) ?? base.GetSkipReason(factAttribute);
}
