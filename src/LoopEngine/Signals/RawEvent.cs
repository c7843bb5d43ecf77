using System.Text.Json;

namespace LoopEngine.Signals;

/// <summary>
/// One raw operational event (<c>sale_recorded</c>, <c>stock_movement</c>...): its id, type, subject keys (<c>sku</c>,
/// <c>location</c>, <c>carrier</c>...), JSON payload and the time it occurred. Immutable.
/// </summary>
public sealed class RawEvent
{
    /// <summary>Creates a raw event.</summary>
    /// <param name="id">The event's id; a second event with the same id inside the lateness window is ignored.</param>
    /// <param name="type">The event type (<c>sale_recorded</c>).</param>
    /// <param name="occurredAt">When the event occurred.</param>
    /// <param name="keys">The subject keys it carries (<c>sku</c>, <c>location</c>); compared ordinally.</param>
    /// <param name="payload">The payload, a JSON object; <see langword="default"/> for none.</param>
    /// <exception cref="ArgumentException">The id or type is empty.</exception>
    public RawEvent(string id, string type, DateTimeOffset occurredAt, IReadOnlyDictionary<string, string> keys, JsonElement payload = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(id);
        ArgumentException.ThrowIfNullOrEmpty(type);
        ArgumentNullException.ThrowIfNull(keys);
        Id = id;
        Type = type;
        OccurredAt = occurredAt;
        Keys = keys;
        Payload = payload;
    }

    /// <summary>Gets the event's id.</summary>
    public string Id { get; }

    /// <summary>Gets the event type.</summary>
    public string Type { get; }

    /// <summary>Gets when the event occurred.</summary>
    public DateTimeOffset OccurredAt { get; }

    /// <summary>Gets the subject keys.</summary>
    public IReadOnlyDictionary<string, string> Keys { get; }

    /// <summary>Gets the payload (a JSON object, or an undefined element for none).</summary>
    public JsonElement Payload { get; }

    /// <summary>Creates a raw event whose payload is given as JSON text.</summary>
    /// <param name="id">The event's id.</param>
    /// <param name="type">The event type.</param>
    /// <param name="occurredAt">When it occurred.</param>
    /// <param name="keys">The subject keys.</param>
    /// <param name="payloadJson">The payload, a JSON object.</param>
    /// <returns>The event.</returns>
    /// <exception cref="SignalEventException">The payload is not valid JSON (<see cref="SignalEventError.MalformedPayload"/>).</exception>
    public static RawEvent Create(string id, string type, DateTimeOffset occurredAt, IReadOnlyDictionary<string, string> keys, string payloadJson)
    {
        ArgumentNullException.ThrowIfNull(payloadJson);
        JsonElement payload;
        try
        {
            using var document = JsonDocument.Parse(payloadJson);
            payload = document.RootElement.Clone();
        }
        catch (JsonException ex)
        {
            throw new SignalEventException(SignalEventError.MalformedPayload, id, type, $"Event '{id}' of type '{type}' has a payload that is not valid JSON: {ex.Message}", ex);
        }

        return new RawEvent(id, type, occurredAt, keys, payload);
    }
}
