using System.Collections.Immutable;
using ActorRollouts.Core.Sessions;
using ActorRollouts.Core.Tasks;

namespace ActorRollouts.Core.Fleets;

/// <summary>One line of <c>actor-rollouts sessions</c>: a session as its fleet's and its own journal describe it.</summary>
public sealed record SessionRow(
    string SessionId,
    string FleetId,
    string TaskId,
    int Sample,
    string Status,
    string? StopReason,
    int Turns,
    long InputTokens,
    long OutputTokens,
    long ReasoningTokens,
    long CachedTokens,
    decimal CostUsd,
    double? Reward,
    DateTimeOffset? StartedAt,
    DateTimeOffset? EndedAt,
    string? Error,
    ImmutableList<string>? FleetSettingsChanges = null,
    string? Node = null,
    int Resumes = 0)
{
    /// <summary><paramref name="runActive"/>: whether a process is running this fleet right now. A session that
    /// began but did not end is <c>running</c> if so, else <c>interrupted</c> (resume continues it).</summary>
    public static SessionRow From(SessionSpec spec, FleetState fleet, SessionState session, bool runActive)
    {
        var status = fleet.Finished.TryGetValue(spec.SessionId, out var finished)
            ? finished.Status
            : session.IsFinished
                ? SessionOutcomes.Of(session.Status)
                : session.Status == SessionStatus.Running || fleet.Launched.Contains(spec.SessionId)
                    ? runActive ? SessionOutcomes.Running : SessionOutcomes.Interrupted
                    : SessionOutcomes.Pending;
        return new SessionRow(spec.SessionId, spec.FleetId, spec.TaskId, spec.Sample, status,
            session.StopReason ?? finished?.StopReason, session.Turns, session.Usage.InputTokens, session.Usage.OutputTokens,
            session.Usage.ReasoningTokens, session.Usage.CachedTokens, session.CostUsd, session.Reward,
            session.StartedAt, session.EndedAt, session.Error ?? finished?.Error, fleet.DescribeSettingsChanges(), session.Node, session.Resumes);
    }

    /// <summary>A finished session from its fleet's journal alone (its journaled <see cref="SessionFigures"/>).</summary>
    public static SessionRow From(SessionSpec spec, FleetState fleet, FleetEvents.FleetSessionFinished finished, SessionFigures figures) =>
        new(spec.SessionId, spec.FleetId, spec.TaskId, spec.Sample, finished.Status, finished.StopReason, figures.Turns,
            figures.Usage.InputTokens, figures.Usage.OutputTokens, figures.Usage.ReasoningTokens, figures.Usage.CachedTokens,
            figures.CostUsd, figures.Reward, figures.StartedAt, figures.EndedAt, finished.Error, fleet.DescribeSettingsChanges(), figures.Node, figures.Resumes);
}
