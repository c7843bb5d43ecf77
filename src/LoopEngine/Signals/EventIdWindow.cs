namespace LoopEngine.Signals;

/// <summary>
/// The event ids seen inside the lateness window, for de-duplication: a hash set whose entries also form a queue in
/// arrival order, so the oldest ids are forgotten first. Each id's hash is computed once, on arrival, and kept for its
/// removal. Memory is bounded by the number of ids that arrived within the lateness window (and by a maximum count).
/// </summary>
internal sealed class EventIdWindow
{
    private const int MinCapacity = 16;

    private Entry[] _entries = new Entry[MinCapacity];
    private int[] _buckets = new int[MinCapacity];
    private int _head;
    private int _count;

    public int Count => _count;

    /// <summary>Gets the number of entries the ring can hold before it grows (for memory-bound tests).</summary>
    public int Capacity => _entries.Length;

    /// <summary>Remembers an id that arrived with an event at <paramref name="at"/>.</summary>
    /// <returns><see langword="false"/> when the id is already remembered.</returns>
    public bool TryAdd(string id, long at)
    {
        var hash = id.GetHashCode(StringComparison.Ordinal);
        var entries = _entries;
        var mask = entries.Length - 1;
        for (var i = _buckets[hash & (_buckets.Length - 1)] - 1; i >= 0; i = entries[i].Next - 1)
        {
            if (entries[i].Hash == hash && string.Equals(entries[i].Id, id, StringComparison.Ordinal))
            {
                return false;
            }
        }

        if (_count == entries.Length)
        {
            Grow();
            entries = _entries;
            mask = entries.Length - 1;
        }

        var slot = (_head + _count) & mask;
        ref var bucket = ref _buckets[hash & (_buckets.Length - 1)];
        entries[slot] = new Entry { Id = id, Hash = hash, At = at, Next = bucket };
        bucket = slot + 1;
        _count++;
        return true;
    }

    /// <summary>Forgets, oldest arrival first, the ids that arrived with events before <paramref name="horizon"/> or exceed <paramref name="maxCount"/>.</summary>
    public void Evict(long horizon, int maxCount)
    {
        var entries = _entries;
        var mask = entries.Length - 1;
        while (_count > 0 && (entries[_head].At < horizon || _count > maxCount))
        {
            ref var oldest = ref entries[_head];
            ref var link = ref _buckets[oldest.Hash & (_buckets.Length - 1)];
            while (link - 1 != _head)
            {
                link = ref entries[link - 1].Next;
            }

            link = oldest.Next;
            oldest = default;
            _head = (_head + 1) & mask;
            _count--;
        }

        // After a burst, give memory back: the ring holds at most four times the ids inside the window.
        if (entries.Length > MinCapacity && _count <= entries.Length / 4)
        {
            var capacity = entries.Length;
            while (capacity > MinCapacity && _count <= capacity / 4)
            {
                capacity /= 2;
            }

            Resize(capacity);
        }
    }

    private void Grow() => Resize(_entries.Length * 2);

    private void Resize(int capacity)
    {
        var old = _entries;
        var entries = new Entry[capacity];
        var buckets = new int[entries.Length];
        var mask = buckets.Length - 1;
        for (var i = 0; i < _count; i++)
        {
            ref var e = ref entries[i];
            e = old[(_head + i) & (old.Length - 1)];
            ref var bucket = ref buckets[e.Hash & mask];
            e.Next = bucket;
            bucket = i + 1;
        }

        _entries = entries;
        _buckets = buckets;
        _head = 0;
    }

    /// <summary>An id in the ring of arrivals; <see cref="Next"/> and the buckets hold a slot plus one (0 ends a chain).</summary>
    private struct Entry
    {
        public string Id;
        public int Hash;
        public int Next;
        public long At;
    }
}
