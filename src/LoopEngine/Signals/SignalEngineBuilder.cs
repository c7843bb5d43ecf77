using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace LoopEngine.Signals;

/// <summary>Collects signal definitions, triggers, declared event types, reference data and options, and builds the signal engine.</summary>
public sealed class SignalEngineBuilder
{
    private readonly List<SignalDefinition> _definitions = [];
    private readonly List<SignalTrigger> _triggers = [];
    private readonly Dictionary<string, string[]> _eventTypes = new(StringComparer.Ordinal);
    private readonly List<Action<SignalEngineOptions>> _configure = [];

    /// <summary>Gets the reference data, or <see langword="null"/>.</summary>
    public IReferenceData? ReferenceData { get; private set; }

    /// <summary>Adds a signal definition.</summary>
    /// <param name="definition">The definition.</param>
    /// <returns>This builder.</returns>
    public SignalEngineBuilder AddSignal(SignalDefinition definition)
    {
        ArgumentNullException.ThrowIfNull(definition);
        _definitions.Add(definition);
        return this;
    }

    /// <summary>Adds a trigger.</summary>
    /// <param name="trigger">The trigger.</param>
    /// <returns>This builder.</returns>
    public SignalEngineBuilder AddTrigger(SignalTrigger trigger)
    {
        ArgumentNullException.ThrowIfNull(trigger);
        _triggers.Add(trigger);
        return this;
    }

    /// <summary>Declares an event type and the subject keys it must carry (an event lacking one is rejected).</summary>
    /// <param name="eventType">The event type.</param>
    /// <param name="requiredKeys">The required keys.</param>
    /// <returns>This builder.</returns>
    public SignalEngineBuilder DeclareEventType(string eventType, params string[] requiredKeys)
    {
        ArgumentException.ThrowIfNullOrEmpty(eventType);
        _eventTypes[eventType] = [.. requiredKeys ?? []];
        return this;
    }

    /// <summary>Sets the reference data.</summary>
    /// <param name="referenceData">The reference data.</param>
    /// <returns>This builder.</returns>
    public SignalEngineBuilder UseReferenceData(IReferenceData referenceData)
    {
        ReferenceData = referenceData ?? throw new ArgumentNullException(nameof(referenceData));
        return this;
    }

    /// <summary>Configures the options.</summary>
    /// <param name="configure">Changes the options.</param>
    /// <returns>This builder.</returns>
    public SignalEngineBuilder Configure(Action<SignalEngineOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(configure);
        _configure.Add(configure);
        return this;
    }

    /// <summary>Builds a signal engine outside dependency injection; options are validated.</summary>
    /// <param name="signalStore">The signal store; <see langword="null"/> for an in-memory one.</param>
    /// <param name="loopEngine">The loop engine triggers start loops in; required when there are triggers.</param>
    /// <param name="loopStore">The loop store (durable id sequences and the event stream); required when there are triggers.</param>
    /// <param name="timeProvider">The clock; <see langword="null"/> for the system clock.</param>
    /// <param name="idGenerator">Event ids; <see langword="null"/> for <see cref="SequentialLoopIdGenerator"/>.</param>
    /// <param name="loggerFactory">Logging; <see langword="null"/> for none.</param>
    /// <returns>The engine.</returns>
    /// <exception cref="ValidationException">The options are invalid.</exception>
    /// <exception cref="InvalidOperationException">A trigger names an undefined signal type, a signal type is defined twice, or triggers lack a loop engine or store.</exception>
    public ISignalEngine Build(ISignalStore? signalStore = null, ILoopEngine? loopEngine = null, ILoopStore? loopStore = null, TimeProvider? timeProvider = null, ILoopIdGenerator? idGenerator = null, ILoggerFactory? loggerFactory = null)
    {
        var options = new SignalEngineOptions();
        ApplyOptions(options);
        Validator.ValidateObject(options, new ValidationContext(options), validateAllProperties: true);
        return Create(options, signalStore ?? new InMemorySignalStore(), loopEngine, loopStore, timeProvider ?? TimeProvider.System, idGenerator ?? new SequentialLoopIdGenerator(), loggerFactory ?? NullLoggerFactory.Instance);
    }

    internal void ApplyOptions(SignalEngineOptions options)
    {
        foreach (var configure in _configure)
        {
            configure(options);
        }
    }

    internal SignalEngine Create(SignalEngineOptions options, ISignalStore store, ILoopEngine? loopEngine, ILoopStore? loopStore, TimeProvider time, ILoopIdGenerator ids, ILoggerFactory loggerFactory)
    {
        var types = new HashSet<string>(StringComparer.Ordinal);
        foreach (var d in _definitions)
        {
            if (!types.Add(d.Type))
            {
                throw new InvalidOperationException($"Signal type '{d.Type}' is defined twice.");
            }
        }

        foreach (var t in _triggers)
        {
            if (!types.Contains(t.SignalType))
            {
                throw new InvalidOperationException($"Trigger for signal type '{t.SignalType}' names no defined signal; defined: {string.Join(", ", types)}.");
            }

            if (loopEngine is null || loopStore is null)
            {
                throw new InvalidOperationException($"Trigger for signal type '{t.SignalType}' needs an ILoopEngine and an ILoopStore.");
            }
        }

        return new SignalEngine([.. _definitions], new Dictionary<string, string[]>(_eventTypes, StringComparer.Ordinal), [.. _triggers], options, ReferenceData, store, loopEngine, loopStore, time, ids, loggerFactory.CreateLogger("LoopEngine.Signals"));
    }
}
