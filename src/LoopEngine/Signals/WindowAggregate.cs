namespace LoopEngine.Signals;

/// <summary>The aggregate a windowed feature computes.</summary>
public enum WindowAggregate
{
    /// <summary>The number of events.</summary>
    Count = 0,

    /// <summary>The sum of the values.</summary>
    Sum = 1,

    /// <summary>The mean of the values.</summary>
    Average = 2,

    /// <summary>The smallest value.</summary>
    Min = 3,

    /// <summary>The largest value.</summary>
    Max = 4,

    /// <summary>The value of the latest event in the window.</summary>
    Last = 5,

    /// <summary>(last − first) / hours between them, within the window; 0 with fewer than two events at distinct times.</summary>
    RateOfChange = 6,
}
