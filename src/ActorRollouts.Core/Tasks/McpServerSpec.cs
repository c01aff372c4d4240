using System.Collections.Immutable;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace ActorRollouts.Core.Tasks;

/// <summary>An MCP tool server a task brings (<c>mcp_servers</c>): started over stdio from <paramref name="Command"/>
/// (in the session's sandbox unless <paramref name="Sandbox"/> is false, without a network unless
/// <paramref name="Network"/>), or reached over Streamable HTTP at <paramref name="Url"/>. <paramref name="Env"/> and
/// <paramref name="Headers"/> are kept as written: a <c>${VAR}</c> in them is filled from this machine's environment only
/// when the server is started or connected, so a secret never reaches the journal. <paramref name="Confirm"/> false lets
/// its destructive tools run without a confirmation. <paramref name="Tools"/> is what the server listed when the fleet
/// was planned: journaled, so a resumed or forked session offers exactly these.</summary>
public sealed partial record McpServerSpec(
    string Name,
    ImmutableList<string>? Command = null,
    ImmutableSortedDictionary<string, string>? Env = null,
    bool Sandbox = true,
    bool Network = false,
    bool? Confirm = null,
    string? Url = null,
    ImmutableSortedDictionary<string, string>? Headers = null,
    ImmutableList<McpToolSpec>? Tools = null)
{
    /// <summary>Between a server's name and its tool's in the name the model sees: <c>memory__read_graph</c>.</summary>
    public const string Separator = "__";

    public bool IsStdio => Command is not null;

    /// <summary>The name the model calls <paramref name="tool"/> by: the server's name, <see cref="Separator"/>, the tool's
    /// name with anything an OpenAI function name may not hold made <c>_</c>, at most 64 characters.</summary>
    public string Offered(string tool)
    {
        var name = Name + Separator + NotInFunctionName().Replace(tool, "_");
        return name.Length <= 64 ? name : name[..64];
    }

    [GeneratedRegex("[^A-Za-z0-9_-]")]
    private static partial Regex NotInFunctionName();

    /// <summary><c>${VAR}</c> in <paramref name="template"/> with this machine's <c>VAR</c> (empty if unset).</summary>
    public static string Expand(string template) =>
        Placeholder().Replace(template, m => Environment.GetEnvironmentVariable(m.Groups[1].Value) ?? "");

    [GeneratedRegex(@"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")]
    private static partial Regex Placeholder();
}

/// <summary>A tool an MCP server listed, with its schemas and its annotations as the server gave them (null: not
/// given).</summary>
public sealed record McpToolSpec(
    string Name,
    string? Description,
    JsonElement InputSchema,
    JsonElement? OutputSchema = null,
    bool? ReadOnlyHint = null,
    bool? DestructiveHint = null,
    bool? IdempotentHint = null)
{
    /// <summary>Safe to run again after a crash cut it (read-only or idempotent, by its own word): resume re-runs it.
    /// Anything else cut by a crash comes back E_INTERRUPTED, as our own tools that write do.</summary>
    public bool RunsAgain => ReadOnlyHint == true || IdempotentHint == true;

    /// <summary>Says it destroys something (and is not read-only): a call waits for a confirmation.</summary>
    public bool IsDestructive => DestructiveHint == true && ReadOnlyHint != true;
}
