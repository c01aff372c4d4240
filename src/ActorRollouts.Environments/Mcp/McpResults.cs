using System.Collections.Immutable;
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using ActorRollouts.Core.Model;
using ActorRollouts.Core.Tasks;
using ActorRollouts.Environments.Tools;

namespace ActorRollouts.Environments.Mcp;

/// <summary>An MCP <c>tools/call</c> result as a tool result: its text blocks are what the model reads (cut in the middle
/// beyond the output cap, as <c>bash</c>'s output is); images and audio are stored in <c>blobs/</c> by SHA-256 and named
/// in the text and in <c>data.media</c>; <c>structuredContent</c> is <c>data.structured</c>; <c>isError</c> is a failed
/// result, E_TOOL_ERROR.</summary>
internal static class McpResults
{
    public static ToolResult From(ToolCall call, JsonNode? result, McpServerSpec server, McpToolSpec tool, string? sessionId, string? warning, ToolContext context)
    {
        var text = new StringBuilder();
        var media = new List<JsonObject>();
        foreach (var block in result?["content"] as JsonArray ?? [])
            Append(block as JsonObject, text, media, context);
        var structured = result?["structuredContent"];
        if (text.Length == 0 && structured is not null) text.Append(structured.ToJsonString()); // the model still reads something
        var (shown, cut) = Capped(text.ToString(), context.Options.OutputCapBytes);
        var data = new List<(string, object?)> { ("server", server.Name), ("tool", tool.Name) };
        if (sessionId is not null) data.Add(("mcp_session_id", sessionId));
        if (structured is not null) data.Add(("structured", structured));
        if (media.Count > 0) data.Add(("media", media));
        if (cut > 0) data.Add(("truncated_chars", cut));
        if (warning is not null) data.Add(("warning", warning));
        var isError = result?["isError"] is JsonValue flag && flag.TryGetValue<bool>(out var error) && error;
        return isError
            ? new ToolResult(false, call.Name, $"Error [{ErrorCodes.ToolError}]: {shown}", call.Id, ErrorCodes.ToolError, Data: ToolData.Of([.. data]))
            : ToolResult.Success(call, shown, data: ToolData.Of([.. data]));
    }

    private static void Append(JsonObject? block, StringBuilder text, List<JsonObject> media, ToolContext context)
    {
        if (block is null) return;
        if (text.Length > 0) text.Append('\n');
        switch ((string?)block["type"])
        {
            case "text":
                text.Append((string?)block["text"]);
                break;
            case "image" or "audio":
                text.Append(Stored((string)block["type"]!, (string?)block["mimeType"], (string?)block["data"], null, media, context));
                break;
            case "resource" when block["resource"] is JsonObject resource:
                text.Append(resource["text"] is { } inline
                    ? $"[resource {(string?)resource["uri"]}]\n{(string?)inline}"
                    : Stored("resource", (string?)resource["mimeType"], (string?)resource["blob"], (string?)resource["uri"], media, context));
                break;
            case "resource_link":
                text.Append($"[resource link {(string?)block["uri"]}{((string?)block["name"] is { } name ? $" ({name})" : "")}]");
                break;
            default:
                text.Append($"[{(string?)block["type"] ?? "unknown"} content, not shown]");
                break;
        }
    }

    /// <summary>Base64 content stored in the blob store; the line the model reads in its place.</summary>
    private static string Stored(string kind, string? mimeType, string? base64, string? uri, List<JsonObject> media, ToolContext context)
    {
        byte[] bytes;
        try
        {
            bytes = Convert.FromBase64String(base64 ?? "");
        }
        catch (FormatException)
        {
            return $"[{kind} {mimeType}: its data was not base64, not kept]";
        }
        var sha = context.Blobs?.Put(bytes) ?? Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(bytes));
        media.Add(new JsonObject { ["type"] = kind, ["mime_type"] = mimeType, ["sha256"] = sha, ["bytes"] = bytes.Length, ["uri"] = uri });
        return string.Create(CultureInfo.InvariantCulture, $"[{kind} {mimeType}, {bytes.Length:N0} bytes, sha256 {sha[..12]}]");
    }

    /// <summary>The first and last halves of the cap, and how many characters were cut between them.</summary>
    private static (string Text, int Cut) Capped(string text, int cap)
    {
        if (text.Length <= cap) return (text, 0);
        var cut = text.Length - cap;
        return ($"{text[..(cap / 2)]}\n[… {cut} characters cut …]\n{text[^(cap - cap / 2)..]}", cut);
    }
}
