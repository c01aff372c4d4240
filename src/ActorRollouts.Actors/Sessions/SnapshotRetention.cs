namespace ActorRollouts.Actors.Sessions;

/// <summary>Which snapshots a session keeps: the latest <c>kept</c> (HOCON <c>session.snapshots-kept</c>). Each snapshot
/// is the whole state, transcript included, so keeping every one would grow the store with the square of a session's
/// length; events are never deleted (the journal is the trace). After a save succeeds, everything older than the
/// <c>kept</c>-th newest snapshot goes, including ones from before this incarnation that it was never told about.</summary>
public sealed class SnapshotRetention(int kept)
{
    private readonly int _kept = Math.Max(1, kept);
    private readonly List<long> _known = [];

    /// <summary>The snapshot recovery started from.</summary>
    public void Recovered(long sequenceNr) => _known.Add(sequenceNr);

    /// <summary>A save succeeded. Returns the highest sequence number whose snapshots may be deleted, if any.</summary>
    public long? Saved(long sequenceNr)
    {
        _known.Add(sequenceNr);
        _known.Sort();
        if (_known.Count < _kept) return null;
        var oldestKept = _known[_known.Count - _kept];
        _known.RemoveRange(0, _known.Count - _kept);
        return oldestKept > 1 ? oldestKept - 1 : null;
    }
}
