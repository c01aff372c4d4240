using System.Collections.Immutable;
using System.Text.Json;

namespace ActorRollouts.Core.Tasks;

/// <summary>One line of a task file. <paramref name="Workspace"/> is already resolved to an absolute folder;
/// <paramref name="Image"/> (instead of a workspace) is the container image the task runs in, with its <c>workdir</c>.</summary>
public sealed record TaskDefinition(
    string Id,
    string Prompt,
    string? System = null,
    string? Workspace = null,
    ImmutableList<string>? Tools = null,
    int? MaxTurns = null,
    int Samples = 1,
    string? Model = null,
    ImmutableSortedDictionary<string, JsonElement>? Metadata = null,
    int Line = 0,
    string? Api = null,
    Grading.GraderSpec? Grader = null,
    Budget? Budget = null,
    SessionImage? Image = null,
    ImmutableList<McpServerSpec>? McpServers = null,
    AgentSpec? Agent = null,
    ContextSpec? Context = null);

/// <summary>A task file could not be used. The message names the file and line.</summary>
public sealed class TaskFileException(string message) : Exception(message);
