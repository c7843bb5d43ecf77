namespace LoopEngine.Signals;

/// <summary>
/// Per-subject state bounded by a maximum count: when full, the least recently used subject is evicted. The recency
/// order is a doubly linked list of slot numbers in plain integer arrays, so a touch writes a few integers and no object
/// references (no GC write barriers). Lookups and touches allocate nothing; a new subject allocates its state once, and
/// the arrays grow by doubling up to the maximum.
/// </summary>
internal sealed class SubjectTable<T>
    where T : class
{
    private const int None = -1;

    private readonly Dictionary<SubjectKey, int> _map;
    private readonly int _maxSubjects;
    private readonly Func<T> _factory;
    private T[] _states;
    private SubjectKey[] _keys;
    private int[] _newer;
    private int[] _older;
    private int _newest = None;
    private int _oldest = None;
    private int _used;

    public SubjectTable(int maxSubjects, Func<T> factory)
    {
        _maxSubjects = maxSubjects;
        _factory = factory;
        var capacity = Math.Min(maxSubjects, 64);
        _map = new Dictionary<SubjectKey, int>(capacity);
        _states = new T[capacity];
        _keys = new SubjectKey[capacity];
        _newer = new int[capacity];
        _older = new int[capacity];
    }

    public int Count => _map.Count;

    public long Evicted { get; private set; }

    /// <summary>Gets the state in a slot returned by <see cref="GetOrAdd(in SubjectKey, out int)"/>; valid until the next call that adds a subject.</summary>
    public T this[int slot] => _states[slot];

    /// <summary>Looks a subject up without changing its recency.</summary>
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

    /// <summary>
    /// Like <see cref="GetOrAdd(in SubjectKey, out int)"/>, but first tries the slot <paramref name="hint"/> (the slot
    /// the subject had last time, kept by the caller): when that slot still holds the same key, no hash lookup is made.
    /// The hint is updated to the subject's slot.
    /// </summary>
    public T GetOrAddHinted(in SubjectKey key, ref int hint)
    {
        var slot = hint;
        if ((uint)slot < (uint)_used && _keys[slot].Equals(key))
        {
            if (slot != _newest)
            {
                Unlink(slot);
                LinkNewest(slot);
            }

            return _states[slot];
        }

        return GetOrAdd(key, out hint);
    }

    /// <summary>Gets a subject's state, creating it (and evicting the least recently used subject when full) if needed; marks it most recently used.</summary>
    public T GetOrAdd(in SubjectKey key, out int slot)
    {
        if (_map.TryGetValue(key, out slot))
        {
            if (slot != _newest)
            {
                Unlink(slot);
                LinkNewest(slot);
            }

            return _states[slot];
        }

        if (_map.Count >= _maxSubjects && _oldest != None)
        {
            // Reuse the least recently used subject's slot.
            slot = _oldest;
            Unlink(slot);
            _map.Remove(_keys[slot]);
            Evicted++;
        }
        else
        {
            if (_used == _states.Length)
            {
                Grow();
            }

            slot = _used++;
        }

        var state = _factory();
        _states[slot] = state;
        _keys[slot] = key;
        _map.Add(key, slot);
        LinkNewest(slot);
        return state;
    }

    private void Grow()
    {
        var capacity = (int)Math.Min(Math.Max(4L, _states.Length * 2L), _maxSubjects);
        Array.Resize(ref _states, capacity);
        Array.Resize(ref _keys, capacity);
        Array.Resize(ref _newer, capacity);
        Array.Resize(ref _older, capacity);
    }

    private void LinkNewest(int slot)
    {
        _older[slot] = _newest;
        _newer[slot] = None;
        if (_newest != None)
        {
            _newer[_newest] = slot;
        }

        _newest = slot;
        if (_oldest == None)
        {
            _oldest = slot;
        }
    }

    private void Unlink(int slot)
    {
        var newer = _newer[slot];
        var older = _older[slot];
        if (newer != None)
        {
            _older[newer] = older;
        }
        else
        {
            _newest = older;
        }

        if (older != None)
        {
            _newer[older] = newer;
        }
        else
        {
            _oldest = newer;
        }
    }
}
