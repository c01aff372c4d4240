namespace ActorRollouts.Core.Sessions;

/// <summary>Where a fork may branch off: the parent's state after a sequence number of its journal, if it was running
/// there. One rule for <c>fork</c> (which refuses a bad point up front) and for the forked session (which reads it).</summary>
public static class ForkPoint
{
    /// <summary>The parent's state after <paramref name="at"/>, or why there is no such point to branch at.</summary>
    public static (SessionState? State, string? Problem) Find(string parentId, IReadOnlyList<(long Seq, SessionEvents.ISessionEvent Event)> events, long at)
    {
        if (events.Count == 0) return (null, $"no session '{parentId}'");
        if (at > events[^1].Seq) return (null, $"--at {at} is past the end of '{parentId}' (its last sequence number is {events[^1].Seq})");
        var state = SessionState.From(Prefix(events, at));
        return state.Status == SessionStatus.Running
            ? (state, null)
            : (null, $"'{parentId}' was {(state.Status == SessionStatus.NotStarted ? "not started yet" : "over")} at #{at}: branch at a point where it was running (see `trace`)");
    }

    /// <summary>The parent's events up to and including <paramref name="at"/>.</summary>
    public static IEnumerable<SessionEvents.ISessionEvent> Prefix(IEnumerable<(long Seq, SessionEvents.ISessionEvent Event)> events, long at) =>
        events.TakeWhile(e => e.Seq <= at).Select(e => e.Event);
}
