namespace LoopEngine;

/// <summary>Configures a loop's outcome in a <see cref="LoopDefinitionBuilder"/>.</summary>
public sealed class OutcomeBuilder
{
    private readonly string _id;
    private readonly string _description;
    private readonly string _valueUnit;
    private readonly List<BusinessMetric> _metrics = [];
    private bool _measurable = true;

    internal OutcomeBuilder(string id, string description, string valueUnit)
    {
        _id = id;
        _description = description;
        _valueUnit = valueUnit;
    }

    /// <summary>Sets whether the outcome is measurable. The default is <see langword="true"/>.</summary>
    /// <param name="measurable">Whether it is measurable.</param>
    /// <returns>This builder.</returns>
    public OutcomeBuilder Measurable(bool measurable = true)
    {
        _measurable = measurable;
        return this;
    }

    /// <summary>Adds a business metric.</summary>
    /// <param name="id">The metric id.</param>
    /// <param name="label">Its label.</param>
    /// <param name="unit">Its unit.</param>
    /// <param name="kind">Its kind, which decides Δ or hit/miss; <see langword="null"/> when not declared.</param>
    /// <param name="improvableByAi">Whether AI can improve it.</param>
    /// <param name="updates">The estimate key template its actual value updates (<c>supplier_lead_time:{evidence.supplier}</c>).</param>
    /// <returns>This builder.</returns>
    public OutcomeBuilder AddMetric(string id, string label, string unit, OutcomeMetricKind? kind = null, bool improvableByAi = false, string? updates = null)
    {
        _metrics.Add(new BusinessMetric(id, label, unit, improvableByAi) { Kind = kind, Updates = updates });
        return this;
    }

    internal OutcomeSpec ToSpec() => new(_id, _description, _valueUnit, _measurable) { BusinessMetrics = _metrics };
}
