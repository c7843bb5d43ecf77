using System.Collections.Concurrent;
using System.Text.Json;
using LoopEngine.Signals;
using Microsoft.Extensions.Logging;
using static LoopEngine.Tests.Signals.SignalTestEvents;

namespace LoopEngine.Tests.Signals;

/// <summary>Issue #7 points not covered elsewhere: custom extractors, custom-rule clamping, cooldown per subject, the late-event log entry, recall.</summary>
public sealed class SignalFeatureAndRuleTests
{
    /// <summary>Reads <c>reading.celsius</c>, a nested field the expression language cannot reach.</summary>
    private static bool NestedCelsius(RawEvent e, out double value)
    {
        value = 0;
        if (e.Payload.ValueKind == JsonValueKind.Object && e.Payload.TryGetProperty("reading", out var reading) && reading.TryGetProperty("celsius", out var c))
        {
            value = c.GetDouble();
            return true;
        }

        return false;
    }

    private static ISignalEngine Echo(FeatureDefinition feature, TimeSpan? cooldown = null, ILoggerFactory? loggers = null, Action<SignalEngineOptions>? configure = null)
    {
        var definition = SignalDefinition.Create("ECHO").For("sku")
            .Feature(feature)
            .Score(ScoringRule.Custom("value", [feature.Name], a => a.TryGetValue(feature.Name, out var v) ? 1 : null))
            .Threshold(0.5)
            .Cooldown(cooldown ?? TimeSpan.Zero)
            .Carry(feature.Name)
            .Calibrate(new SignalCalibration { ShadowMargin = 0 })
            .Build();
        var builder = new SignalEngineBuilder().AddSignal(definition);
        if (configure is not null)
        {
            builder.Configure(configure);
        }

        return builder.Build(loggerFactory: loggers);
    }

    [Fact]
    public async Task IngestAsync_CustomExtractorLatest_FeedsNestedValueAndSkipsEventsWithoutIt()
    {
        var engine = Echo(FeatureDefinition.Custom("temp", "reading", NestedCelsius));

        var fed = await engine.IngestAsync(Ev("1", "reading", T0, """{"reading":{"celsius":7.5}}""", ("sku", "COLD-1")));
        var skipped = await engine.IngestAsync(Ev("2", "reading", T0.AddMinutes(1), """{"other":1}""", ("sku", "COLD-1")));

        fed.Signals.Single().Attributes["temp"].Should().Be(7.5);
        skipped.Accepted.Should().Be(1);
        skipped.Signals.Single().Attributes["temp"].Should().Be(7.5, "an event the extractor declines does not change the latest value");
    }

    [Fact]
    public async Task IngestAsync_CustomExtractorWindowed_AggregatesExtractedValues()
    {
        var engine = Echo(FeatureDefinition.Windowed("max_temp", WindowAggregate.Max, "reading", NestedCelsius, TimeSpan.FromHours(1)));
        await engine.IngestAsync(Ev("1", "reading", T0, """{"reading":{"celsius":9}}""", ("sku", "COLD-1")));

        var result = await engine.IngestAsync(Ev("2", "reading", T0.AddMinutes(20), """{"reading":{"celsius":4}}""", ("sku", "COLD-1")));

        result.Signals.Single().Attributes["max_temp"].Should().Be(9);
    }

    [Theory]
    [InlineData(7.0, 1.0)]
    [InlineData(-3.0, 0.0)]
    [InlineData(0.25, 0.25)]
    public async Task IngestAsync_CustomRuleOutsideUnitInterval_ConfidenceClamped(double raw, double expected)
    {
        var definition = SignalDefinition.Create("RAW").For("sku")
            .Feature("v", "last(probe.v)")
            .Score(ScoringRule.Custom("raw", ["v"], _ => raw))
            .Threshold(0).Calibrate(new SignalCalibration { ShadowMargin = 0 }).Build();
        var engine = new SignalEngineBuilder().AddSignal(definition).Build();

        var result = await engine.IngestAsync(Ev("1", "probe", T0, """{"v":1}""", ("sku", "A")));

        result.Signals.Single().Confidence.Should().Be(expected);
    }

    [Fact]
    public async Task IngestAsync_CooldownIsPerSubject_OtherSubjectStillEmits()
    {
        var engine = Echo(FeatureDefinition.Parse("on_hand", "last(stock.on_hand)"), cooldown: TimeSpan.FromHours(1));
        (await engine.IngestAsync(Ev("1", "stock", T0, """{"on_hand":3}""", ("sku", "A")))).Signals.Should().ContainSingle();

        var sameSubject = await engine.IngestAsync(Ev("2", "stock", T0.AddMinutes(5), """{"on_hand":2}""", ("sku", "A")));
        var otherSubject = await engine.IngestAsync(Ev("3", "stock", T0.AddMinutes(6), """{"on_hand":2}""", ("sku", "B")));
        var afterCooldown = await engine.IngestAsync(Ev("4", "stock", T0.AddMinutes(61), """{"on_hand":1}""", ("sku", "A")));

        sameSubject.Signals.Should().BeEmpty();
        otherSubject.Signals.Should().ContainSingle().Which.Subject["sku"].Should().Be("B");
        afterCooldown.Signals.Should().ContainSingle().Which.Subject["sku"].Should().Be("A");
        engine.GetEngineStatistics().CooledDown.Should().Be(1);
    }

    [Fact]
    public async Task IngestAsync_EventLaterThanLateness_LogsWarningNamingTheEvent()
    {
        var provider = new CapturingLoggerProvider();
        using var loggers = LoggerFactory.Create(b => b.AddProvider(provider).SetMinimumLevel(LogLevel.Debug));
        var engine = Echo(FeatureDefinition.Parse("qty", "sum(sale.qty) over 1h"), loggers: loggers, configure: o => o.AllowedLateness = TimeSpan.FromMinutes(5));
        await engine.IngestAsync(Ev("on-time", "sale", T0.AddMinutes(30), """{"qty":1}""", ("sku", "A")));

        var result = await engine.IngestAsync(Ev("too-late", "sale", T0.AddMinutes(20), """{"qty":1}""", ("sku", "A")));

        result.LateDropped.Should().Be(1);
        var entry = provider.Entries.Should().ContainSingle(e => e.EventId.Id == 7001).Subject;
        entry.Level.Should().Be(LogLevel.Warning);
        entry.Message.Should().Contain("too-late").And.Contain("sale");
    }

    [Fact]
    public async Task GetStatistics_LabelledEmittedAndSuppressedSignals_ReportsPrecisionAndObservableRecall()
    {
        var definition = SignalDefinition.Create("PROBE").For("sku")
            .Feature("score", "last(probe.score)")
            .Score(ScoringRule.Custom("score", ["score"], a => a.TryGetValue("score", out var v) ? v : null))
            .Threshold(0.5).Calibrate(new SignalCalibration { MinSamples = 100, ShadowMargin = 0.4 }).Build();
        var engine = new SignalEngineBuilder().AddSignal(definition).Build();
        (double Score, SignalLabel Label)[] labelled = [(0.9, SignalLabel.Hit), (0.7, SignalLabel.Miss), (0.3, SignalLabel.Hit), (0.2, SignalLabel.Miss)];
        for (var i = 0; i < labelled.Length; i++)
        {
            var signal = (await engine.IngestAsync(Ev("e" + i, "probe", T0, $$"""{"score":{{labelled[i].Score}}}""", ("sku", "S" + i)))).Signals.Single();
            signal.Status.Should().Be(labelled[i].Score >= 0.5 ? SignalStatus.Emitted : SignalStatus.Suppressed);
            await engine.LabelAsync(signal.Id, labelled[i].Label);
        }

        var stats = engine.GetStatistics("PROBE");

        stats.SampleSize.Should().Be(4);
        stats.Precision.Should().Be(0.5, "of the two emitted signals (≥ 0.5) one was a hit");
        stats.Recall.Should().Be(0.5, "one of the two hits was caught; the suppressed hit at 0.3 is an observable miss");
    }

    [Fact]
    public async Task LabelAsync_MoreLabelsThanWindow_StatisticsOverSlidingWindowOnly()
    {
        var definition = SignalDefinition.Create("PROBE").For("sku")
            .Feature("score", "last(probe.score)")
            .Score(ScoringRule.Custom("score", ["score"], a => a.TryGetValue("score", out var v) ? v : null))
            .Threshold(0.5).Calibrate(new SignalCalibration { Window = 3, MinSamples = 3 }).Build();
        var engine = new SignalEngineBuilder().AddSignal(definition).Build();

        // Two old misses, then three hits: the window of 3 keeps only the hits.
        SignalLabel[] labels = [SignalLabel.Miss, SignalLabel.Miss, SignalLabel.Hit, SignalLabel.Hit, SignalLabel.Hit];
        for (var i = 0; i < labels.Length; i++)
        {
            var signal = (await engine.IngestAsync(Ev("e" + i, "probe", T0, """{"score":0.9}""", ("sku", "S" + i)))).Signals.Single();
            await engine.LabelAsync(signal.Id, labels[i]);
        }

        var stats = engine.GetStatistics("PROBE");
        stats.SampleSize.Should().Be(3);
        stats.Precision.Should().Be(1);
    }

    private sealed record LogEntry(LogLevel Level, EventId EventId, string Message);

    private sealed class CapturingLoggerProvider : ILoggerProvider
    {
        public ConcurrentQueue<LogEntry> Entries { get; } = new();

        public ILogger CreateLogger(string categoryName) => new Logger(Entries);

        public void Dispose()
        {
        }

        private sealed class Logger(ConcurrentQueue<LogEntry> entries) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state)
                where TState : notnull => null;

            public bool IsEnabled(LogLevel logLevel) => true;

            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
                entries.Enqueue(new LogEntry(logLevel, eventId, formatter(state, exception)));
        }
    }
}
