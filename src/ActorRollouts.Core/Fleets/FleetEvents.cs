using System.Collections.Immutable;
using ActorRollouts.Core.Sessions;
using ActorRollouts.Core.Tasks;

namespace ActorRollouts.Core.Fleets;

/// <summary>The events of a fleet supervisor's journal: which sessions the fleet has and how each ended.</summary>
public static class FleetEvents
{
    public interface IFleetEvent : IRolloutEvent;

    /// <summary>A fleet was planned: every session it will run, in launch order, and the settings it runs under (null in
    /// journals written before settings were journaled).</summary>
    /// <paramref name="Open"/>: a served fleet (<c>serve</c>): sessions may be added while it runs, and it never ends by itself.
    public sealed record FleetStarted(
        string FleetId, ImmutableList<SessionSpec> Sessions, int Concurrency, DateTimeOffset Timestamp, FleetSettings? Settings = null,
        bool? Open = null) : IFleetEvent;

    /// <summary>Sessions were added to a served fleet's plan (<c>POST /v1/fleets/{id}/tasks</c>, or a fresh sample of a
    /// task whose session went stale); <paramref name="Reason"/> says why when it was not a client's request.</summary>
    public sealed record FleetSessionsAdded(ImmutableList<SessionSpec> Sessions, DateTimeOffset Timestamp, string? Reason = null) : IFleetEvent;

    /// <summary>A <c>run</c> or <c>resume</c> changed the fleet's settings: the whole new settings, and what changed.</summary>
    public sealed record FleetSettingsChanged(FleetSettings Settings, ImmutableList<string> Changes, DateTimeOffset Timestamp) : IFleetEvent;

    /// <summary>A session actor was started for this session.</summary>
    public sealed record FleetSessionLaunched(string SessionId, DateTimeOffset Timestamp) : IFleetEvent;

    /// <summary>A session ended; <paramref name="Status"/> is <c>completed</c> or <c>failed</c>. <paramref name="Figures"/>
    /// are its turns, tokens, cost and reward when the session reported them (null when it never ran to its end, and in
    /// journals from before 2026-11-26): readers then fold the session's own journal instead.</summary>
    public sealed record FleetSessionFinished(
        string SessionId, string Status, string? StopReason, string? Error, DateTimeOffset Timestamp, SessionFigures? Figures = null) : IFleetEvent;

    public static string PersistenceId(string fleetId) => $"fleet-supervisor:{fleetId}";
    public const string PersistenceIdPrefix = "fleet-supervisor:";
}

/// <summary>Outcome words used by the fleet and the <c>sessions</c> listing.</summary>
public static class SessionOutcomes
{
    public const string Pending = "pending";
    public const string Running = "running";
    public const string Completed = "completed";
    public const string Failed = "failed";
    public const string Interrupted = "interrupted";

    public static string Of(SessionStatus status) => status switch
    {
        SessionStatus.Completed => Completed,
        SessionStatus.Failed => Failed,
        SessionStatus.Running => Running,
        _ => Pending,
    };
}
