using System.Collections.Immutable;
using System.Text.Json;
using ActorRollouts.Core.Model;

namespace ActorRollouts.Core.Tasks;

/// <summary>Everything one session needs to run: what the model is asked, with which tools (and which of them need an
/// approval before they run), where.
/// Built from a task line and the run's options; journaled in session-started (no secrets in it).
/// <paramref name="TemplateHash"/> names the captured copy of <paramref name="WorkspaceTemplate"/> the workspace is made
/// over (<c>templates/&lt;hash&gt;</c>); null in journals written before templates were captured. <paramref name="Fork"/>
/// is set for a session that starts from another's state instead of from the prompt (<c>fork</c>). <paramref name="Image"/>
/// is the container image the session runs in (its tree is the image's, changed copy-on-write), instead of a template.
/// <paramref name="Agent"/> is the task's own agent program, which runs instead of the built-in loop. <paramref name="Context"/>
/// keeps a long session within its model's context window.</summary>
public sealed record SessionSpec(
    string SessionId,
    string FleetId,
    string TaskId,
    int Sample,
    string Prompt,
    string? System,
    Endpoint Endpoint,
    int MaxTurns,
    string? WorkspaceTemplate,
    ImmutableList<string> Tools,
    ImmutableSortedDictionary<string, JsonElement>? Metadata = null,
    ImmutableList<string>? ConfirmTools = null,
    Grading.GraderSpec? Grader = null,
    Budget? Budget = null,
    string? TemplateHash = null,
    ForkOrigin? Fork = null,
    SessionImage? Image = null,
    ImmutableList<McpServerSpec>? McpServers = null,
    AgentSpec? Agent = null,
    ContextSpec? Context = null)
{
    /// <summary>The MCP server and tool behind a tool name the model calls (<c>server__tool</c>); null for a built-in one
    /// or one no server listed.</summary>
    public (McpServerSpec Server, McpToolSpec Tool)? McpTool(string offeredName)
    {
        foreach (var server in McpServers ?? [])
            if (offeredName.StartsWith(server.Name + McpServerSpec.Separator, StringComparison.Ordinal))
                foreach (var tool in server.Tools ?? [])
                    if (server.Offered(tool.Name) == offeredName) return (server, tool);
        return null;
    }

    /// <summary>The workspace's lower layer, under the data dir <paramref name="dataDir"/>: the image's unpacked tree in
    /// <c>images/</c>, the captured template in <c>templates/</c>, or (journals from before capture) the template folder
    /// itself.</summary>
    public string? LowerLayer(string dataDir) =>
        Image is { } image ? image.RootFs(global::System.IO.Path.Combine(dataDir, "images"))
        : TemplateHash is { } hash ? global::System.IO.Path.Combine(dataDir, "templates", hash)
        : WorkspaceTemplate;

    /// <summary>Whether a call of this tool waits for an approval: <c>requires_confirmation</c>, or an MCP tool that says
    /// it is destructive (unless its server says <c>confirm: false</c>).</summary>
    public bool NeedsConfirmation(string tool) =>
        ConfirmTools?.Contains(tool) == true || McpTool(tool) is { Server.Confirm: not false, Tool.IsDestructive: true };

    /// <summary>What differs in the settings a resume may change (endpoint, max turns, budget), one line each.</summary>
    public ImmutableList<string> SettingsChangesTo(SessionSpec after) =>
        [.. Json.SettingsDiff.Describe(Endpoint, after.Endpoint, "endpoint."),
         .. MaxTurns == after.MaxTurns ? [] : (string[])[$"max_turns: {MaxTurns} → {after.MaxTurns}"],
         .. Json.SettingsDiff.Describe(Budget ?? new Budget(), after.Budget ?? new Budget(), "budget.")];

    public static string MakeSessionId(string fleetId, string taskId, int sample) => $"{fleetId}:{taskId}:{sample}";
}

/// <summary>Where a forked session branched off: its parent and the parent's journal sequence number it starts after.</summary>
public sealed record ForkOrigin(string ParentSessionId, long AtSeq);
