using System.Collections.Immutable;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace ActorRollouts.Core.Tasks;

/// <summary>Reads a task's <c>mcp_servers</c>: stdio entries <c>{name, command: [...], env?, sandbox?, network?,
/// confirm?}</c> and Streamable HTTP ones <c>{name, url, headers?, confirm?}</c>. Every problem names the task's line,
/// the entry and the field.</summary>
public static partial class McpServerEntries
{
    private static readonly string[] StdioFields = ["name", "command", "env", "sandbox", "network", "confirm"];
    private static readonly string[] HttpFields = ["name", "url", "headers", "confirm"];

    [GeneratedRegex("^[A-Za-z0-9-]+(_[A-Za-z0-9-]+)*$")]
    private static partial Regex NamePattern();

    public static ImmutableList<McpServerSpec>? Parse(JsonElement root, string where)
    {
        if (!root.TryGetProperty("mcp_servers", out var list) || list.ValueKind == JsonValueKind.Null) return null;
        if (list.ValueKind != JsonValueKind.Array)
            throw new TaskFileException($"{where}: 'mcp_servers' must be an array of servers like {{\"name\": \"memory\", \"command\": [\"npx\", \"…\"]}}.");
        var servers = ImmutableList.CreateBuilder<McpServerSpec>();
        var index = 0;
        foreach (var entry in list.EnumerateArray())
        {
            var server = ParseOne(entry, $"{where}: mcp_servers[{index++}]");
            if (servers.Any(s => s.Name == server.Name))
                throw new TaskFileException($"{where}: two MCP servers are named '{server.Name}'; each needs a name of its own.");
            servers.Add(server);
        }
        return servers.ToImmutable();
    }

    private static McpServerSpec ParseOne(JsonElement entry, string where)
    {
        if (entry.ValueKind != JsonValueKind.Object) throw new TaskFileException($"{where}: must be an object.");
        var name = entry.TryGetProperty("name", out var n) && n.ValueKind == JsonValueKind.String ? n.GetString()! : throw new TaskFileException($"{where}: 'name' is required.");
        if (name.Length > 32 || !NamePattern().IsMatch(name))
            throw new TaskFileException($"{where}: name '{name}' may use only letters, digits, '-' and single '_' (at most 32): the model calls its tools '{name}__<tool>'.");
        var isStdio = entry.TryGetProperty("command", out _);
        var isHttp = entry.TryGetProperty("url", out _);
        if (isStdio == isHttp)
            throw new TaskFileException($"{where} ('{name}'): give either 'command' (a server started over stdio) or 'url' (a Streamable HTTP server).");
        var known = isStdio ? StdioFields : HttpFields;
        foreach (var property in entry.EnumerateObject())
            if (!known.Contains(property.Name))
                throw new TaskFileException($"{where} ('{name}'): unknown field '{property.Name}' for a {(isStdio ? "stdio" : "Streamable HTTP")} server (known: {string.Join(", ", known)}).");
        var confirm = Bool(entry, "confirm", where);
        if (isHttp)
        {
            var url = entry.GetProperty("url");
            if (url.ValueKind != JsonValueKind.String || !Uri.TryCreate(url.GetString(), UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
                throw new TaskFileException($"{where} ('{name}'): 'url' must be an http:// or https:// URL.");
            return new McpServerSpec(name, Url: uri.ToString(), Headers: Strings(entry, "headers", where), Confirm: confirm);
        }
        var command = entry.GetProperty("command");
        if (command.ValueKind != JsonValueKind.Array || command.GetArrayLength() == 0 || command.EnumerateArray().Any(a => a.ValueKind != JsonValueKind.String))
            throw new TaskFileException($"{where} ('{name}'): 'command' must be a non-empty array of strings, like [\"node\", \"server.js\"].");
        return new McpServerSpec(name, [.. command.EnumerateArray().Select(a => a.GetString()!)], Strings(entry, "env", where),
            Bool(entry, "sandbox", where) ?? true, Bool(entry, "network", where) ?? false, confirm);
    }

    private static bool? Bool(JsonElement entry, string field, string where) =>
        !entry.TryGetProperty(field, out var value) || value.ValueKind == JsonValueKind.Null ? null
        : value.ValueKind is JsonValueKind.True or JsonValueKind.False ? value.GetBoolean()
        : throw new TaskFileException($"{where}: '{field}' must be true or false.");

    private static ImmutableSortedDictionary<string, string>? Strings(JsonElement entry, string field, string where)
    {
        if (!entry.TryGetProperty(field, out var value) || value.ValueKind == JsonValueKind.Null) return null;
        if (value.ValueKind != JsonValueKind.Object || value.EnumerateObject().Any(p => p.Value.ValueKind != JsonValueKind.String))
            throw new TaskFileException($"{where}: '{field}' must be an object of strings (a secret as \"${{VAR}}\", filled from this machine's environment when the server starts).");
        return value.EnumerateObject().ToImmutableSortedDictionary(p => p.Name, p => p.Value.GetString()!, StringComparer.Ordinal);
    }
}
