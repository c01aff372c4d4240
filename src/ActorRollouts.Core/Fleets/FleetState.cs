using System.Collections.Immutable;
using ActorRollouts.Core.Tasks;
using static ActorRollouts.Core.Fleets.FleetEvents;

namespace ActorRollouts.Core.Fleets;

/// <summary>A fleet as its supervisor's journal sees it. Pure and total like <c>SessionState</c>.</summary>
public sealed record FleetState
{
    public static readonly FleetState Empty = new();

    public string? FleetId { get; init; }
    public int Concurrency { get; init; }
    public ImmutableList<SessionSpec> Sessions { get; init; } = [];
    public ImmutableHashSet<string> Launched { get; init; } = [];
    public ImmutableDictionary<string, FleetSessionFinished> Finished { get; init; } =
        ImmutableDictionary<string, FleetSessionFinished>.Empty;
    public DateTimeOffset? StartedAt { get; init; }

    /// <summary>A served fleet: sessions may be added, and it runs until its server stops.</summary>
    public bool Open { get; init; }

    /// <summary>Every planned session's id, kept as events apply so adding sessions never rescans the plan.</summary>
    public ImmutableHashSet<string> SessionIds { get; init; } = [];

    /// <summary>The settings the fleet runs under now (null for a journal from before settings were journaled).</summary>
    public FleetSettings? Settings { get; init; }

    /// <summary>The settings the plan was made under: a session's spec follows what changed since.</summary>
    public FleetSettings? PlannedSettings { get; init; }

    /// <summary>Every change of settings, in order.</summary>
    public ImmutableList<FleetSettingsChanged> SettingsChanges { get; init; } = [];

    /// <summary>How many finished sessions failed, kept as events apply so progress never recounts the fleet.</summary>
    public int FailedCount { get; init; }

    /// <summary>Turns and tokens of the finished sessions, kept as events apply for the same reason.</summary>
    public FinishedFigures FinishedFigures { get; init; } = FinishedFigures.None;

    public bool IsPlanned => FleetId is not null;
    public bool IsComplete => IsPlanned && Finished.Count == Sessions.Count;

    /// <summary>Planned sessions that have not been launched yet.</summary>
    public int QueuedCount => Sessions.Count - Launched.Count - Finished.Count(f => !Launched.Contains(f.Key));

    public FleetState Apply(IFleetEvent @event) => @event switch
    {
        FleetStarted e when !IsPlanned => this with
        {
            FleetId = e.FleetId, Sessions = e.Sessions, Concurrency = e.Concurrency, StartedAt = e.Timestamp,
            Settings = e.Settings, PlannedSettings = e.Settings, Open = e.Open == true, SessionIds = [.. e.Sessions.Select(x => x.SessionId)],
        },
        // A session already planned is not planned twice (the supervisor adds only new ones; Apply stays total).
        FleetSessionsAdded e when IsPlanned => e.Sessions.Where(x => !SessionIds.Contains(x.SessionId)).ToList() is var added
            ? this with { Sessions = Sessions.AddRange(added), SessionIds = SessionIds.Union(added.Select(x => x.SessionId)) }
            : this,
        // A journal without planned settings records its first settings as the baseline: nothing was planned under others.
        FleetSettingsChanged e when IsPlanned => this with
        {
            Settings = e.Settings, PlannedSettings = PlannedSettings ?? e.Settings, SettingsChanges = SettingsChanges.Add(e),
        },
        FleetSessionLaunched e => this with { Launched = Launched.Add(e.SessionId) },
        FleetSessionFinished e => this with
        {
            Finished = Finished.SetItem(e.SessionId, e),
            FailedCount = FailedCount + (e.Status == SessionOutcomes.Failed ? 1 : 0)
                          - (Finished.TryGetValue(e.SessionId, out var earlier) && earlier.Status == SessionOutcomes.Failed ? 1 : 0),
            FinishedFigures = FinishedFigures.Replace(earlier?.Figures, e.Figures),
        },
        _ => this,
    };

    /// <summary>Every settings change as one line: when, and what (<c>2026-11-25T10:00:00Z confirm_policy: "deny" → "auto"</c>).</summary>
    public ImmutableList<string> DescribeSettingsChanges() =>
        [.. SettingsChanges.SelectMany(c => c.Changes.Select(change => $"{c.Timestamp.UtcDateTime:yyyy-MM-ddTHH:mm:ssZ} {change}"))];

    /// <summary>A session as the fleet's current settings have it (see <see cref="FleetSettings.ApplyTo"/>).</summary>
    public SessionSpec SpecFor(SessionSpec planned) =>
        Settings is { } now && PlannedSettings is { } then ? now.ApplyTo(planned, then) : planned;

    public static FleetState From(IEnumerable<IFleetEvent> events) =>
        events.Aggregate(Empty, (state, e) => state.Apply(e));

    /// <summary>Sessions not finished yet, those already launched once first (they were interrupted), then the
    /// rest in plan order.</summary>
    public ImmutableList<SessionSpec> Unfinished() =>
        Sessions.Where(s => !Finished.ContainsKey(s.SessionId))
            .OrderBy(s => Launched.Contains(s.SessionId) ? 0 : 1)
            .ToImmutableList();
}
