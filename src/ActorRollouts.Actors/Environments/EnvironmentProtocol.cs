using System.Collections.Immutable;
using ActorRollouts.Core.Model;

namespace ActorRollouts.Actors.Environments;

/// <summary>Between a session and its environment child.</summary>
public static class EnvironmentProtocol
{
    /// <summary>Session → environment: execute this call in the workspace. <paramref name="SeenFiles"/> are the files the
    /// session's journal says it has read or written (an environment that started after them does not know them).</summary>
    public sealed record RunTool(ToolCall Call, System.Collections.Immutable.ImmutableHashSet<string>? SeenFiles = null);

    /// <summary>Environment → session: the call's result (failures are results too) and the files it changed.</summary>
    public sealed record ToolRan(ToolResult Result, long DurationMs, ImmutableList<FileChange> Changes);

    /// <summary>Session → environment: score the finished session with the task's grader, in the sandbox.</summary>
    public sealed record RunGrader(Core.Grading.GraderSpec Grader);

    /// <summary>Environment → session: what the grader command did. <paramref name="Failure"/> says why it could not give a
    /// score at all (it could not start, or ran into a limit), else null.</summary>
    public sealed record GraderRan(int? ExitCode, string Stdout, bool TimedOut, string? Failure = null);

    /// <summary>Session → environment: the session stopped; kill the call in flight (its result is not wanted).</summary>
    public sealed record CancelInFlight
    {
        public static readonly CancelInFlight Instance = new();
    }

    /// <summary>Environment → session: the workspace could not be prepared; the session cannot go on.</summary>
    public sealed record EnvironmentUnavailable(string Reason);
}
