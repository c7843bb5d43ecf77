using LoopEngine.Learning;

namespace LoopEngine.Tests.Learning;

public sealed class EstimatorsTests
{
    private static Estimate State(EstimatorKind kind, double value, long count, IReadOnlyList<double>? window = null) => new()
    {
        OrgId = "o", Key = "k", Estimator = kind, Value = value, Unit = "days", Count = count, Version = count,
        UpdatedAt = DateTimeOffset.UnixEpoch, LastAggregateId = "A", Window = window ?? [],
    };

    [Fact]
    public void Apply_ExponentialMean_WeighsNewestByAlpha()
    {
        Estimators.Apply(State(EstimatorKind.ExponentialMean, 12, 1), 16, null, new EstimatorSpec { Alpha = 0.25 }).Value.Should().Be(13);
        Estimators.Apply(null, 16, null, EstimatorSpec.Default).Value.Should().Be(16);
        Estimators.Apply(null, 16, 12, EstimatorSpec.Default).Value.Should().Be(14);
    }

    [Fact]
    public void Apply_RunningMean_EqualsArithmeticMeanOfObservations()
    {
        var spec = new EstimatorSpec { Kind = EstimatorKind.RunningMean };
        Estimate? e = null;
        var xs = new[] { 3.0, 9, 4, 12, 7 };
        foreach (var x in xs)
        {
            var (v, n, _) = Estimators.Apply(e, x, 100, spec);
            e = State(EstimatorKind.RunningMean, v, n);
        }

        e!.Value.Should().BeApproximately(xs.Average(), 1e-12);
        e.Count.Should().Be(5);
    }

    [Fact]
    public void Apply_Quantile_KeepsBoundedWindowDeterministically()
    {
        var spec = new EstimatorSpec { Kind = EstimatorKind.Quantile, Quantile = 0.5, WindowSize = 3 };
        Estimate? e = null;
        foreach (var x in new[] { 100.0, 1, 2, 3 })
        {
            var (v, n, w) = Estimators.Apply(e, x, null, spec);
            e = State(EstimatorKind.Quantile, v, n, w);
        }

        e!.Window.Should().Equal(1, 2, 3);
        e.Value.Should().Be(2);
        Estimators.Quantile([1, 2, 3, 4], 0.5).Should().Be(2.5);
        Estimators.Quantile([10, 20], 0.95).Should().BeApproximately(19.5, 1e-12);
    }

    [Fact]
    public void EstimatorFor_ConfiguredName_UsesItElseDefault()
    {
        var options = new LearningOptions();
        options.Estimators["supplier_lead_time"] = new EstimatorSpec { Kind = EstimatorKind.RunningMean };

        options.EstimatorFor("supplier_lead_time:SUP-ACME").Kind.Should().Be(EstimatorKind.RunningMean);
        options.EstimatorFor("demand:BRS-001").Should().Be(EstimatorSpec.Default);
    }
}
