using System.Collections.Immutable;

namespace ActorRollouts.Core.Model;

/// <summary>Roles of transcript messages, spelled as the OpenAI APIs spell them.</summary>
public static class Roles
{
    public const string System = "system";
    public const string User = "user";
    public const string Assistant = "assistant";
    public const string Tool = "tool";
}

/// <summary>One message of a session transcript.</summary>
/// <param name="Role">system, user, assistant or tool (see <see cref="Roles"/>).</param>
/// <param name="Content">The text the model sees or wrote; null for an assistant turn that only calls tools.</param>
/// <param name="ReasoningContent">Readable reasoning (summaries) the model returned with this message.</param>
/// <param name="ToolCalls">Tool calls of an assistant message, in the order the model made them.</param>
/// <param name="ToolCallId">On tool messages: the call this message answers.</param>
/// <param name="ToolResult">On tool messages: the full structured result behind <paramref name="Content"/>.</param>
/// <param name="ResponseItems">On assistant messages from the Responses API: every output item (reasoning with its
/// encrypted content, message, function calls) as the raw JSON the API sent, in the original order, so the next turn —
/// or a resumed session — sends them back unchanged.</param>
public sealed record Message(
    string Role,
    string? Content,
    string? ReasoningContent = null,
    ImmutableList<ToolCall>? ToolCalls = null,
    string? ToolCallId = null,
    ToolResult? ToolResult = null,
    string? Id = null,
    ImmutableList<string>? ResponseItems = null)
{
    public static Message System(string content) => new(Roles.System, content);
    public static Message User(string content) => new(Roles.User, content);
    public static Message Assistant(string? content, ImmutableList<ToolCall>? toolCalls = null) =>
        new(Roles.Assistant, content, ToolCalls: toolCalls is { Count: > 0 } ? toolCalls : null);
    public static Message ToolMessage(ToolResult result) =>
        new(Roles.Tool, result.Content, ToolCallId: result.ToolCallId, ToolResult: result);

    public bool HasToolCalls => ToolCalls is { Count: > 0 };
}

/// <summary>A call the model asked for. <paramref name="Arguments"/> is the raw JSON text the model produced,
/// kept verbatim as UTF-8 (it may be broken JSON: the environment answers that with E_VALIDATION).</summary>
public sealed record ToolCall(string Id, string Name, ToolArguments Arguments);
