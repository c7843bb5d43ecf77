namespace LoopEngine.Signals;

/// <summary>A node of a <see cref="SubjectTable{T}"/>: the state kept for one subject, linked in least-recently-used order.</summary>
internal abstract class SubjectState
{
    public SubjectKey Key;
    public SubjectState? Newer;
    public SubjectState? Older;
}

/// <summary>
/// Per-subject state bounded by a maximum count: when full, the least recently used subject is evicted. Lookups and
/// touches allocate nothing; a new subject allocates its state once.
/// </summary>
internal sealed class SubjectTable<T>
    where T : SubjectState
{
    private readonly Dictionary<SubjectKey, T> _map;
    private readonly int _maxSubjects;
    private readonly Func<T> _factory;
    private SubjectState? _newest;
    private SubjectState? _oldest;

    public SubjectTable(int maxSubjects, Func<T> factory)
    {
        _maxSubjects = maxSubjects;
        _factory = factory;
        _map = new Dictionary<SubjectKey, T>(Math.Min(maxSubjects, 1024));
    }

    public int Count => _map.Count;

    public long Evicted { get; private set; }

    public bool TryGet(in SubjectKey key, out T state)
    {
        if (_map.TryGetValue(key, out state!))
        {
            return true;
        }

        return false;
    }

    public T GetOrAdd(in SubjectKey key)
    {
        if (_map.TryGetValue(key, out var state))
        {
            Touch(state);
            return state;
        }

        if (_map.Count >= _maxSubjects && _oldest is { } oldest)
        {
            Unlink(oldest);
            _map.Remove(oldest.Key);
            Evicted++;
        }

        state = _factory();
        state.Key = key;
        _map.Add(key, state);
        LinkNewest(state);
        return state;
    }

    private void Touch(SubjectState state)
    {
        if (ReferenceEquals(state, _newest))
        {
            return;
        }

        Unlink(state);
        LinkNewest(state);
    }

    private void LinkNewest(SubjectState state)
    {
        state.Older = _newest;
        state.Newer = null;
        if (_newest is not null)
        {
            _newest.Newer = state;
        }

        _newest = state;
        _oldest ??= state;
    }

    private void Unlink(SubjectState state)
    {
        if (state.Newer is not null)
        {
            state.Newer.Older = state.Older;
        }
        else
        {
            _newest = state.Older;
        }

        if (state.Older is not null)
        {
            state.Older.Newer = state.Newer;
        }
        else
        {
            _oldest = state.Newer;
        }

        state.Newer = null;
        state.Older = null;
    }
}
