using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace LoopEngine;

/// <summary>The engine's <see cref="ActivitySource"/> and <see cref="Meter"/>, both named <c>LoopEngine</c>.</summary>
public static class LoopEngineInstrumentation
{
    /// <summary>The name of the activity source and the meter.</summary>
    public const string Name = "LoopEngine";

    internal static readonly ActivitySource ActivitySource = new(Name, "1.0.0");

    internal static readonly Meter Meter = new(Name, "1.0.0");

    internal static readonly Counter<long> Transitions = Meter.CreateCounter<long>("loopengine.transitions", "{transition}", "Transitions executed.");

    internal static readonly Counter<long> Blocks = Meter.CreateCounter<long>("loopengine.transitions.blocked", "{transition}", "Transition requests blocked.");

    internal static readonly Counter<long> GuardFailures = Meter.CreateCounter<long>("loopengine.guard.failures", "{failure}", "Guards that failed (hard and soft).");

    internal static readonly Counter<long> Recommendations = Meter.CreateCounter<long>("loopengine.recommendations", "{recommendation}", "Recommendations stored for approval.");

    internal static readonly Counter<long> Completions = Meter.CreateCounter<long>("loopengine.completions", "{loop}", "Loops that reached a terminal state.");

    internal static readonly Counter<long> Conflicts = Meter.CreateCounter<long>("loopengine.conflicts", "{conflict}", "Store version conflicts (retried or returned).");

    internal static readonly Counter<long> SlaBreaches = Meter.CreateCounter<long>("loopengine.sla.breaches", "{breach}", "State SLAs breached.");

    internal static readonly Histogram<double> LoopDuration = Meter.CreateHistogram<double>("loopengine.loop.duration", "s", "Time from start to close of loops that ended.");

    internal static readonly Histogram<double> TransitionLatency = Meter.CreateHistogram<double>("loopengine.transition.latency", "ms", "Time to process a transition request.");
}
