namespace LoopEngine;

/// <summary>
/// Who takes part in a loop: a human, an automation, an AI agent, a webhook or the system. Every actor leaves
/// the same evidence record. The host says who an actor is; the engine never believes a payload's claim.
/// </summary>
/// <remarks>An AI agent also carries the model id, the provider and its confidence in [0, 1].</remarks>
public sealed record Actor
{
    /// <summary>The largest actor id accepted, in characters.</summary>
    public const int MaxIdLength = 256;

    /// <summary>Creates an actor.</summary>
    /// <param name="type">The actor's type.</param>
    /// <param name="id">The actor's id (<c>drew.kim@lumebonde.co</c>, <c>system:replenishment</c>).</param>
    /// <param name="modelId">For an AI agent, the model id.</param>
    /// <param name="provider">For an AI agent, the model provider.</param>
    /// <param name="confidence">For an AI agent, its confidence in [0, 1].</param>
    /// <exception cref="ArgumentException">The id is empty, too long or has control characters; or a model, provider or confidence is given for an actor that is not an AI agent.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="confidence"/> is outside [0, 1] or <paramref name="type"/> is undefined.</exception>
    public Actor(ActorType type, string id, string? modelId = null, string? provider = null, double? confidence = null)
    {
        _ = type.ToWireName();
        Identifiers.ValidateActorId(id, nameof(id));
        if (type != ActorType.AiAgent && (modelId is not null || provider is not null || confidence is not null))
        {
            throw new ArgumentException($"Actor '{id}' is of type '{type.ToWireName()}': only ai-agent actors carry a model id, provider and confidence.", nameof(modelId));
        }

        if (confidence is { } c && (double.IsNaN(c) || c < 0 || c > 1))
        {
            throw new ArgumentOutOfRangeException(nameof(confidence), confidence, $"Confidence {c} of actor '{id}' is outside the valid range [0, 1].");
        }

        if (modelId is not null)
        {
            Identifiers.ValidateActorId(modelId, nameof(modelId));
        }

        if (provider is not null)
        {
            Identifiers.ValidateActorId(provider, nameof(provider));
        }

        Type = type;
        Id = id;
        ModelId = modelId;
        Provider = provider;
        Confidence = confidence;
    }

    /// <summary>Gets the actor's type.</summary>
    public ActorType Type { get; }

    /// <summary>Gets the actor's id.</summary>
    public string Id { get; }

    /// <summary>Gets the model id of an AI agent, or <see langword="null"/>.</summary>
    public string? ModelId { get; }

    /// <summary>Gets the model provider of an AI agent, or <see langword="null"/>.</summary>
    public string? Provider { get; }

    /// <summary>Gets an AI agent's confidence in [0, 1], or <see langword="null"/>.</summary>
    public double? Confidence { get; }

    /// <summary>Creates a human actor.</summary>
    /// <param name="id">The person's id, such as an e-mail address.</param>
    /// <returns>The actor.</returns>
    public static Actor Human(string id) => new(ActorType.Human, id);

    /// <summary>Creates an automation actor.</summary>
    /// <param name="id">The automation's id, such as <c>system:replenishment</c>.</param>
    /// <returns>The actor.</returns>
    public static Actor Automation(string id) => new(ActorType.Automation, id);

    /// <summary>Creates an AI agent actor.</summary>
    /// <param name="id">The agent's id, such as <c>agent:commerce-gateway/claude</c>.</param>
    /// <param name="modelId">The model id.</param>
    /// <param name="provider">The model provider.</param>
    /// <param name="confidence">The agent's confidence in [0, 1].</param>
    /// <returns>The actor.</returns>
    public static Actor AiAgent(string id, string? modelId = null, string? provider = null, double? confidence = null) =>
        new(ActorType.AiAgent, id, modelId, provider, confidence);

    /// <summary>Creates a webhook actor.</summary>
    /// <param name="id">The webhook's id.</param>
    /// <returns>The actor.</returns>
    public static Actor Webhook(string id) => new(ActorType.Webhook, id);

    /// <summary>Creates a system actor.</summary>
    /// <param name="id">The component's id, such as <c>system:sla</c>.</param>
    /// <returns>The actor.</returns>
    public static Actor System(string id) => new(ActorType.System, id);

    /// <summary>Returns a copy of this AI agent with another confidence.</summary>
    /// <param name="confidence">The confidence in [0, 1].</param>
    /// <returns>The new actor.</returns>
    public Actor WithConfidence(double? confidence) => new(Type, Id, ModelId, Provider, confidence);

    /// <inheritdoc/>
    public override string ToString() => $"{Type.ToWireName()}:{Id}";
}
