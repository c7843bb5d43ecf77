namespace LoopEngine.Signals;

/// <summary>Host-provided reference data per subject (a reorder point of 50 for BRS-001 at DC-East, a baseline daily demand).</summary>
public interface IReferenceData
{
    /// <summary>Looks a value up.</summary>
    /// <param name="name">The value's name (<c>reorder_point</c>).</param>
    /// <param name="subject">The subject's keys (<c>sku</c>, <c>location</c>); a lookup may use a subset.</param>
    /// <param name="value">The value, when known.</param>
    /// <returns><see langword="true"/> when known.</returns>
    bool TryGetValue(string name, IReadOnlyDictionary<string, string> subject, out double value);
}
