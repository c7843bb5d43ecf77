namespace LoopEngine.Signals;

/// <summary>
/// One subject's state for one feature: the latest value, or a ring of time buckets for a window (tumbling windows
/// are one bucket the length of the window). Buckets older than the window plus the lateness are overwritten.
/// </summary>
internal sealed class FeatureState : SubjectState
{
    private readonly long[]? _index;
    private readonly long[]? _count;
    private readonly double[]? _sum;
    private readonly double[]? _min;
    private readonly double[]? _max;
    private readonly double[]? _first;
    private readonly long[]? _firstAt;
    private readonly double[]? _last;
    private readonly long[]? _lastAt;

    public FeatureState(int buckets)
    {
        if (buckets > 0)
        {
            _index = new long[buckets];
            Array.Fill(_index, long.MinValue);
            _count = new long[buckets];
            _sum = new double[buckets];
            _min = new double[buckets];
            _max = new double[buckets];
            _first = new double[buckets];
            _firstAt = new long[buckets];
            _last = new double[buckets];
            _lastAt = new long[buckets];
        }
    }

    public bool HasLatest { get; private set; }

    public double LatestValue { get; private set; }

    public long LatestAt { get; private set; } = long.MinValue;

    public void SetLatest(long at, double value)
    {
        if (at >= LatestAt)
        {
            LatestAt = at;
            LatestValue = value;
            HasLatest = true;
        }
    }

    /// <summary>Adds a value at a time (ticks) to its bucket.</summary>
    /// <returns><see langword="false"/> when the bucket has already been overwritten by a newer one.</returns>
    public bool Add(long at, double value, long bucketTicks)
    {
        var bucket = FloorDiv(at, bucketTicks);
        var slot = (int)(((bucket % _index!.Length) + _index.Length) % _index.Length);
        var current = _index[slot];
        if (current != bucket)
        {
            if (current > bucket)
            {
                return false;
            }

            _index[slot] = bucket;
            _count![slot] = 0;
            _sum![slot] = 0;
            _min![slot] = double.PositiveInfinity;
            _max![slot] = double.NegativeInfinity;
            _firstAt![slot] = long.MaxValue;
            _lastAt![slot] = long.MinValue;
        }

        _count![slot]++;
        _sum![slot] += value;
        if (value < _min![slot])
        {
            _min[slot] = value;
        }

        if (value > _max![slot])
        {
            _max[slot] = value;
        }

        if (at < _firstAt![slot])
        {
            _firstAt[slot] = at;
            _first![slot] = value;
        }

        if (at >= _lastAt![slot])
        {
            _lastAt[slot] = at;
            _last![slot] = value;
        }

        return true;
    }

    /// <summary>Computes an aggregate over the buckets in (<paramref name="at"/>'s bucket − <paramref name="bucketsInWindow"/>, at's bucket].</summary>
    /// <returns><see langword="false"/> when the window has no event (count then yields 0).</returns>
    public bool TryAggregate(long at, long bucketTicks, int bucketsInWindow, WindowAggregate aggregate, out double value)
    {
        var newest = FloorDiv(at, bucketTicks);
        var oldest = newest - bucketsInWindow + 1;
        if (aggregate is WindowAggregate.Sum or WindowAggregate.Count or WindowAggregate.Average)
        {
            // The common aggregates read two arrays, not nine.
            return TryAggregateSum(oldest, newest, aggregate, out value);
        }

        long count = 0;
        double sum = 0, min = double.PositiveInfinity, max = double.NegativeInfinity, first = 0, last = 0;
        long firstAt = long.MaxValue, lastAt = long.MinValue;
        var index = _index!;
        for (var slot = 0; slot < index.Length; slot++)
        {
            var b = index[slot];
            if (b < oldest || b > newest)
            {
                continue;
            }

            count += _count![slot];
            sum += _sum![slot];
            min = Math.Min(min, _min![slot]);
            max = Math.Max(max, _max![slot]);
            if (_firstAt![slot] < firstAt)
            {
                firstAt = _firstAt[slot];
                first = _first![slot];
            }

            if (_lastAt![slot] >= lastAt)
            {
                lastAt = _lastAt[slot];
                last = _last![slot];
            }
        }

        if (count == 0)
        {
            value = 0;
            return aggregate == WindowAggregate.Count;
        }

        value = aggregate switch
        {
            WindowAggregate.Count => count,
            WindowAggregate.Sum => sum,
            WindowAggregate.Average => sum / count,
            WindowAggregate.Min => min,
            WindowAggregate.Max => max,
            WindowAggregate.Last => last,
            _ => lastAt > firstAt ? (last - first) / TimeSpan.FromTicks(lastAt - firstAt).TotalHours : 0,
        };
        return true;
    }

    private bool TryAggregateSum(long oldest, long newest, WindowAggregate aggregate, out double value)
    {
        var index = _index!;
        var counts = _count!;
        var sums = _sum!;
        long count = 0;
        double sum = 0;
        for (var slot = 0; slot < index.Length; slot++)
        {
            var b = index[slot];
            if (b >= oldest && b <= newest)
            {
                count += counts[slot];
                sum += sums[slot];
            }
        }

        if (count == 0)
        {
            value = 0;
            return aggregate == WindowAggregate.Count;
        }

        value = aggregate switch
        {
            WindowAggregate.Count => count,
            WindowAggregate.Sum => sum,
            _ => sum / count,
        };
        return true;
    }

    private static long FloorDiv(long a, long b) => a >= 0 ? a / b : ((a + 1) / b) - 1;
}
