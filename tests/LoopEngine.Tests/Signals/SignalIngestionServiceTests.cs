using LoopEngine.Signals;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using static LoopEngine.Tests.Signals.SignalTestEvents;

namespace LoopEngine.Tests.Signals;

public sealed class SignalIngestionServiceTests
{
    private static ServiceProvider Services(Action<SignalEngineOptions>? configure = null) => new ServiceCollection()
        .AddLogging()
        .AddLoopEngineSignals(b => b.AddSignal(ScmSignals.DemandSpike()).UseReferenceData(PageReferenceData()).Configure(configure ?? (_ => { })))
        .BuildServiceProvider();

    [Fact]
    public async Task StopAsync_EventsAcceptedBeforeShutdown_AllIngested()
    {
        await using var services = Services();
        var channel = services.GetRequiredService<RawEventChannel>();
        var service = services.GetServices<IHostedService>().OfType<SignalIngestionService>().Single();
        foreach (var e in PageEvents())
        {
            await channel.Writer.WriteAsync(e);
        }

        for (var i = 0; i < 500; i++)
        {
            await channel.Writer.WriteAsync(Ev("bulk" + i, "sale_recorded", T0.AddHours(1).AddSeconds(i), """{"qty":1}""", ("sku", "B" + i), ("location", "DC-East")));
        }

        // Started only now and stopped at once: what was accepted is still drained.
        await service.StartAsync(CancellationToken.None);
        await service.StopAsync(CancellationToken.None);

        var engine = services.GetRequiredService<ISignalEngine>();
        engine.GetEngineStatistics().Accepted.Should().Be(503);
        (await engine.GetLiveSignalsAsync()).Should().ContainSingle(s => s.Type == "DEMAND_SPIKE");
        channel.Writer.TryWrite(PageEvents()[0]).Should().BeFalse("the channel is closed after shutdown");
    }

    [Fact]
    public async Task WriteAsync_ChannelFull_WaitsForSpace()
    {
        await using var services = Services(o => o.ChannelCapacity = 2);
        var channel = services.GetRequiredService<RawEventChannel>();
        await channel.Writer.WriteAsync(PageEvents()[0]);
        await channel.Writer.WriteAsync(PageEvents()[1]);

        var third = channel.Writer.WriteAsync(PageEvents()[2]).AsTask();
        await Task.Delay(50);
        third.IsCompleted.Should().BeFalse();

        channel.Reader.TryRead(out _).Should().BeTrue();
        await third.WaitAsync(TimeSpan.FromSeconds(5));
    }

    [Fact]
    public async Task AddLoopEngineSignals_InvalidOptions_FailValidation()
    {
        await using var services = Services(o => o.MaxSubjects = 0);

        var act = () => services.GetRequiredService<IOptions<SignalEngineOptions>>().Value;

        act.Should().Throw<OptionsValidationException>().WithMessage("*MaxSubjects*");
    }

    [Fact]
    public void AddLoopEngineSignals_CalledTwice_RegistersOneEngineAndOneOfEachService()
    {
        var services = new ServiceCollection().AddLogging();
        services.AddLoopEngineSignals(b => b.AddSignal(ScmSignals.DemandSpike()));
        services.AddLoopEngineSignals(b => b.AddSignal(ScmSignals.DemandSpike()));

        services.Count(d => d.ServiceType == typeof(ISignalEngine)).Should().Be(1);
        services.Count(d => d.ServiceType == typeof(IHostedService)).Should().Be(2);
    }
}
