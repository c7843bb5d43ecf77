namespace LoopEngine.Signals;

/// <summary>The state kept for one subject in a <see cref="SubjectTable{T}"/>, with the table's bookkeeping.</summary>
internal abstract class SubjectState
{
    /// <summary>The subject's key.</summary>
    public SubjectKey Key;

    /// <summary>Set on every use; cleared when the eviction hand passes (the "second chance").</summary>
    public bool Referenced;

    /// <summary>Set when the state leaves its table; a reference kept elsewhere is then stale.</summary>
    public bool Evicted;
}

/// <summary>
/// Per-subject state bounded by a maximum count. When full, a new subject replaces one not used since the eviction hand
/// last passed (the CLOCK, or second-chance, approximation of least-recently-used). A use sets one flag on the state
/// itself, which the caller touches anyway, so keeping the order costs no extra memory access; lookups allocate nothing;
/// a new subject allocates its state once; the slot array grows by doubling up to the maximum.
/// </summary>
internal sealed class SubjectTable<T>
    where T : SubjectState
{
    private readonly Dictionary<SubjectKey, int> _map;
    private readonly int _maxSubjects;
    private readonly Func<T> _factory;
    private T[] _states;
    private int _used;
    private int _hand;

    public SubjectTable(int maxSubjects, Func<T> factory)
    {
        _maxSubjects = maxSubjects;
        _factory = factory;
        var capacity = Math.Min(maxSubjects, 64);
        _map = new Dictionary<SubjectKey, int>(capacity);
        _states = new T[capacity];
    }

    public int Count => _map.Count;

    public long Evicted { get; private set; }

    /// <summary>Gets the state in a slot returned by <see cref="GetOrAdd(in SubjectKey, out int)"/>; valid until the next call that adds a subject.</summary>
    public T this[int slot] => _states[slot];

    /// <summary>Looks a subject up without marking it used.</summary>
    public bool TryGet(in SubjectKey key, out T state)
    {
        if (_map.TryGetValue(key, out var slot))
        {
            state = _states[slot];
            return true;
        }

        state = null!;
        return false;
    }

    public T GetOrAdd(in SubjectKey key) => GetOrAdd(key, out _);

    /// <summary>Gets a subject's state, creating it (and evicting one when full) if needed; marks it used.</summary>
    public T GetOrAdd(in SubjectKey key, out int slot)
    {
        if (_map.TryGetValue(key, out slot))
        {
            var found = _states[slot];
            found.Referenced = true;
            return found;
        }

        if (_map.Count >= _maxSubjects)
        {
            slot = EvictOne();
        }
        else
        {
            if (_used == _states.Length)
            {
                Array.Resize(ref _states, (int)Math.Min(Math.Max(4L, _states.Length * 2L), _maxSubjects));
            }

            slot = _used++;
        }

        var state = _factory();
        state.Key = key;
        state.Referenced = true;
        _states[slot] = state;
        _map.Add(key, slot);
        return state;
    }

    /// <summary>
    /// Like <see cref="GetOrAdd(in SubjectKey)"/>, but first tries <paramref name="companion"/>, a reference the caller
    /// keeps from last time: when it is still in the table under the same key, no hash lookup is made. The companion is
    /// updated to the subject's state.
    /// </summary>
    public T GetOrAdd(in SubjectKey key, ref T? companion)
    {
        var known = companion;
        if (known is not null && !known.Evicted && known.Key.Equals(key))
        {
            known.Referenced = true;
            return known;
        }

        return companion = GetOrAdd(key, out _);
    }

    /// <summary>Advances the hand past used states (clearing their flag) to the first unused one, evicts it and returns its slot.</summary>
    private int EvictOne()
    {
        var states = _states;
        while (true)
        {
            var slot = _hand;
            _hand = slot + 1 == _used ? 0 : slot + 1;
            var state = states[slot];
            if (state.Referenced)
            {
                state.Referenced = false;
                continue;
            }

            state.Evicted = true;
            _map.Remove(state.Key);
            Evicted++;
            return slot;
        }
    }
}
