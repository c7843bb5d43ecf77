namespace LoopEngine.Signals;

/// <summary>
/// One subject's state for one feature: the latest value, or a ring of time buckets for a window (tumbling windows
/// are one bucket the length of the window). Buckets older than the window plus the lateness are overwritten. Only the
/// per-bucket arrays the feature's aggregate reads are allocated (a sum keeps bucket numbers and sums, nothing else).
/// </summary>
internal sealed class FeatureState : SubjectState
{
    /// <summary>The same subject's state in the owning signal's table when known, which saves the signal a lookup.</summary>
    public SignalSubjectState? Companion;

    private readonly long[]? _index;
    private readonly long[]? _count;
    private readonly double[]? _sum;
    private readonly double[]? _min;
    private readonly double[]? _max;
    private readonly double[]? _first;
    private readonly long[]? _firstAt;
    private readonly double[]? _last;
    private readonly long[]? _lastAt;

    /// <summary>Creates the state.</summary>
    /// <param name="buckets">The ring's length, a power of two (0 for a latest-value feature).</param>
    /// <param name="aggregate">The aggregate, which decides the arrays kept.</param>
    public FeatureState(int buckets, WindowAggregate aggregate)
    {
        if (buckets <= 0)
        {
            return;
        }

        // A bucket whose number is in the window holds at least one event, so "any event in the window" needs no count.
        _index = new long[buckets];
        Array.Fill(_index, long.MinValue);
        if (aggregate is WindowAggregate.Count or WindowAggregate.Average)
        {
            _count = new long[buckets];
        }

        if (aggregate is WindowAggregate.Sum or WindowAggregate.Average)
        {
            _sum = new double[buckets];
        }

        if (aggregate == WindowAggregate.Min)
        {
            _min = new double[buckets];
        }

        if (aggregate == WindowAggregate.Max)
        {
            _max = new double[buckets];
        }

        if (aggregate == WindowAggregate.RateOfChange)
        {
            _first = new double[buckets];
            _firstAt = new long[buckets];
        }

        if (aggregate is WindowAggregate.Last or WindowAggregate.RateOfChange)
        {
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

    /// <summary>Adds a value at a time (ticks) to its bucket (<paramref name="bucket"/>, the time's bucket number).</summary>
    /// <returns><see langword="false"/> when the bucket has already been overwritten by a newer one.</returns>
    public bool Add(long at, long bucket, double value)
    {
        var index = _index!;

        // The ring's length is a power of two, so a bucket's slot is a mask, not a division.
        var slot = (int)(bucket & (index.Length - 1));
        var current = index[slot];
        if (current != bucket)
        {
            if (current > bucket)
            {
                return false;
            }

            index[slot] = bucket;
            Reset(slot);
        }

        if (_count is not null)
        {
            _count[slot]++;
        }

        if (_sum is not null)
        {
            _sum[slot] += value;
        }

        if (_min is not null || _max is not null || _lastAt is not null)
        {
            AddOther(slot, at, value);
        }

        return true;
    }

    /// <summary>Computes an aggregate over the buckets in (<paramref name="newest"/> − <paramref name="bucketsInWindow"/>, <paramref name="newest"/>].</summary>
    /// <returns><see langword="false"/> when the window has no event (count then yields 0).</returns>
    public bool TryAggregate(long newest, int bucketsInWindow, WindowAggregate aggregate, out double value)
    {
        var oldest = newest - bucketsInWindow + 1;
        return aggregate switch
        {
            WindowAggregate.Sum => TryAggregateSum(oldest, newest, out value),
            WindowAggregate.Count or WindowAggregate.Average => TryAggregateCount(oldest, newest, aggregate, out value),
            _ => TryAggregateOther(oldest, newest, aggregate, out value),
        };
    }

    private void Reset(int slot)
    {
        if (_count is not null)
        {
            _count[slot] = 0;
        }

        if (_sum is not null)
        {
            _sum[slot] = 0;
        }

        if (_min is not null)
        {
            _min[slot] = double.PositiveInfinity;
        }

        if (_max is not null)
        {
            _max[slot] = double.NegativeInfinity;
        }

        if (_firstAt is not null)
        {
            _firstAt[slot] = long.MaxValue;
        }

        if (_lastAt is not null)
        {
            _lastAt[slot] = long.MinValue;
        }
    }

    private void AddOther(int slot, long at, double value)
    {
        if (_min is not null && value < _min[slot])
        {
            _min[slot] = value;
        }

        if (_max is not null && value > _max[slot])
        {
            _max[slot] = value;
        }

        if (_firstAt is not null && at < _firstAt[slot])
        {
            _firstAt[slot] = at;
            _first![slot] = value;
        }

        if (_lastAt is not null && at >= _lastAt[slot])
        {
            _lastAt[slot] = at;
            _last![slot] = value;
        }
    }

    private bool TryAggregateSum(long oldest, long newest, out double value)
    {
        // Visits the window's buckets only (the ring also holds the lateness buckets and spare slots).
        var index = _index!;
        var sums = _sum!;
        var mask = index.Length - 1;
        var any = false;
        double sum = 0;
        for (var b = oldest; b <= newest; b++)
        {
            var slot = (int)(b & mask);
            if (index[slot] == b)
            {
                any = true;
                sum += sums[slot];
            }
        }

        value = sum;
        return any;
    }

    private bool TryAggregateCount(long oldest, long newest, WindowAggregate aggregate, out double value)
    {
        var index = _index!;
        var counts = _count!;
        long count = 0;
        double sum = 0;
        for (var slot = 0; slot < index.Length; slot++)
        {
            var b = index[slot];
            if (b >= oldest && b <= newest)
            {
                count += counts[slot];
                if (_sum is not null)
                {
                    sum += _sum[slot];
                }
            }
        }

        if (aggregate == WindowAggregate.Count)
        {
            value = count;
            return true;
        }

        value = count == 0 ? 0 : sum / count;
        return count > 0;
    }

    private bool TryAggregateOther(long oldest, long newest, WindowAggregate aggregate, out double value)
    {
        var any = false;
        double min = double.PositiveInfinity, max = double.NegativeInfinity, first = 0, last = 0;
        long firstAt = long.MaxValue, lastAt = long.MinValue;
        var index = _index!;
        for (var slot = 0; slot < index.Length; slot++)
        {
            var b = index[slot];
            if (b < oldest || b > newest)
            {
                continue;
            }

            any = true;
            if (_min is not null)
            {
                min = Math.Min(min, _min[slot]);
            }

            if (_max is not null)
            {
                max = Math.Max(max, _max[slot]);
            }

            if (_firstAt is not null && _firstAt[slot] < firstAt)
            {
                firstAt = _firstAt[slot];
                first = _first![slot];
            }

            if (_lastAt is not null && _lastAt[slot] >= lastAt)
            {
                lastAt = _lastAt[slot];
                last = _last![slot];
            }
        }

        if (!any)
        {
            value = 0;
            return false;
        }

        value = aggregate switch
        {
            WindowAggregate.Min => min,
            WindowAggregate.Max => max,
            WindowAggregate.Last => last,
            _ => lastAt > firstAt ? (last - first) / TimeSpan.FromTicks(lastAt - firstAt).TotalHours : 0,
        };
        return true;
    }
}
