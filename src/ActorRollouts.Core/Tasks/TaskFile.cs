using System.Collections.Immutable;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace ActorRollouts.Core.Tasks;

/// <summary>Reads a JSON Lines task file. Every problem is reported with the file and line it is on, before
/// anything starts: a typo in a field name is an error, not a silently ignored setting.</summary>
public static partial class TaskFile
{
    private static readonly string[] KnownFields =
        ["id", "prompt", "system", "workspace", "tools", "max_turns", "samples", "model", "metadata", "api", "grader", "budget", "image", "workdir", "mcp_servers", "agent", "context"];

    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$")]
    private static partial Regex IdPattern();

    public static ImmutableList<TaskDefinition> Load(string path, Func<string, bool> isKnownTool)
    {
        if (!File.Exists(path)) throw new TaskFileException($"Task file '{path}' does not exist.");
        var baseDir = Path.GetDirectoryName(Path.GetFullPath(path))!;
        return Parse(File.ReadLines(path), path, baseDir, isKnownTool);
    }

    public static ImmutableList<TaskDefinition> Parse(IEnumerable<string> lines, string source, string baseDir, Func<string, bool> isKnownTool)
    {
        var tasks = ImmutableList.CreateBuilder<TaskDefinition>();
        var seen = new Dictionary<string, int>();
        var lineNo = 0;
        foreach (var text in lines)
        {
            lineNo++;
            if (string.IsNullOrWhiteSpace(text)) continue;
            var where = $"{source}:{lineNo}";
            var task = ParseLine(text, where, baseDir, isKnownTool) with { Line = lineNo };
            if (seen.TryGetValue(task.Id, out var first))
                throw new TaskFileException($"{where}: task id '{task.Id}' is used twice (first on line {first}).");
            seen[task.Id] = lineNo;
            tasks.Add(task);
        }
        if (tasks.Count == 0) throw new TaskFileException($"{source}: the task file holds no tasks.");
        return tasks.ToImmutable();
    }

    private static TaskDefinition ParseLine(string text, string where, string baseDir, Func<string, bool> isKnownTool)
    {
        JsonElement root;
        try
        {
            using var doc = JsonDocument.Parse(text);
            root = doc.RootElement.Clone();
        }
        catch (JsonException ex)
        {
            throw new TaskFileException($"{where}: not valid JSON ({ex.Message.Split(" Path:")[0]})");
        }
        if (root.ValueKind != JsonValueKind.Object)
            throw new TaskFileException($"{where}: each line must be a JSON object, got {root.ValueKind.ToString().ToLowerInvariant()}.");
        return ParseObject(root, where, baseDir, isKnownTool);
    }

    /// <summary>One task given as a JSON object (a task file's line, or an element of the service's <c>tasks</c> array);
    /// every problem names <paramref name="where"/> and the field. A relative <c>workspace</c> is resolved against
    /// <paramref name="baseDir"/>.</summary>
    public static TaskDefinition ParseObject(JsonElement root, string where, string baseDir, Func<string, bool> isKnownTool)
    {
        if (root.ValueKind != JsonValueKind.Object)
            throw new TaskFileException($"{where}: a task must be a JSON object, got {root.ValueKind.ToString().ToLowerInvariant()}.");
        foreach (var p in root.EnumerateObject())
            if (!KnownFields.Contains(p.Name))
                throw new TaskFileException($"{where}: unknown field '{p.Name}' (known fields: {string.Join(", ", KnownFields)}).");

        var id = RequiredString(root, "id", where);
        if (!IdPattern().IsMatch(id))
            throw new TaskFileException($"{where}: id '{id}' may use only letters, digits, '.', '_' and '-' (at most 128).");
        var prompt = RequiredString(root, "prompt", where);

        string? workspace = null;
        if (OptionalString(root, "workspace", where) is { } ws)
        {
            workspace = Path.GetFullPath(Path.Combine(baseDir, ws));
            if (!Directory.Exists(workspace))
                throw new TaskFileException($"{where}: workspace folder '{ws}' does not exist (looked for {workspace}).");
        }

        var image = ParseImage(root, where, baseDir, workspace);

        ImmutableList<string>? tools = null;
        if (root.TryGetProperty("tools", out var toolsEl))
        {
            if (toolsEl.ValueKind != JsonValueKind.Array || toolsEl.EnumerateArray().Any(t => t.ValueKind != JsonValueKind.String))
                throw new TaskFileException($"{where}: 'tools' must be an array of tool names.");
            tools = toolsEl.EnumerateArray().Select(t => t.GetString()!).ToImmutableList();
            if (tools.FirstOrDefault(t => !isKnownTool(t)) is { } unknown)
                throw new TaskFileException($"{where}: unknown tool '{unknown}' in 'tools'.");
        }

        ImmutableSortedDictionary<string, JsonElement>? metadata = null;
        if (root.TryGetProperty("metadata", out var metaEl))
        {
            if (metaEl.ValueKind != JsonValueKind.Object)
                throw new TaskFileException($"{where}: 'metadata' must be a JSON object.");
            metadata = metaEl.EnumerateObject().ToImmutableSortedDictionary(p => p.Name, p => p.Value.Clone(), StringComparer.Ordinal);
        }

        var api = OptionalString(root, "api", where);
        if (api is not null && !Model.ApiRouting.IsValid(api))
            throw new TaskFileException($"{where}: 'api' must be auto, chat or responses (got '{api}').");

        return new TaskDefinition(id, prompt, Api: api, Grader: ParseGrader(root, where), Budget: ParseBudget(root, where),
            System: OptionalString(root, "system", where),
            Workspace: workspace,
            Image: image,
            McpServers: McpServerEntries.Parse(root, where),
            Agent: AgentSpec.Parse(root, where),
            Context: ContextSpec.Parse(root, where),
            Tools: tools,
            MaxTurns: OptionalPositiveInt(root, "max_turns", where),
            Samples: OptionalPositiveInt(root, "samples", where) ?? 1,
            Model: OptionalString(root, "model", where),
            Metadata: metadata);
    }

    /// <summary><c>"image": "docker://…" | "docker-archive:PATH" | "oci-archive:PATH" | "oci:DIR[:TAG]"</c> and its
    /// <c>"workdir"</c> (absolute, inside the image). A task runs in an image or over a workspace template, not both.</summary>
    private static SessionImage? ParseImage(JsonElement root, string where, string baseDir, string? workspace)
    {
        var text = OptionalString(root, "image", where);
        var workdir = OptionalString(root, "workdir", where);
        if (text is null)
            return workdir is null ? null : throw new TaskFileException($"{where}: 'workdir' is the folder inside the task's image; it needs an 'image'.");
        if (workspace is not null)
            throw new TaskFileException($"{where}: a task has an 'image' or a 'workspace', not both (copy the workspace into the image).");
        if (workdir is not null && (!workdir.StartsWith('/') || workdir.Split('/').Contains("..")))
            throw new TaskFileException($"{where}: 'workdir' must be an absolute path inside the image without '..' (got '{workdir}').");
        try
        {
            return new SessionImage(ImageReference.Parse(text, baseDir).Skopeo, workdir);
        }
        catch (ImageException ex)
        {
            throw new TaskFileException($"{where}: 'image': {ex.Message}");
        }
    }

    /// <summary><c>"grader": {"command": "pytest -q", "timeout_s": 60, "reward": "exit"|"stdout"}</c>.</summary>
    private static Grading.GraderSpec? ParseGrader(JsonElement root, string where)
    {
        if (!root.TryGetProperty("grader", out var g) || g.ValueKind == JsonValueKind.Null) return null;
        if (g.ValueKind != JsonValueKind.Object)
            throw new TaskFileException($"{where}: 'grader' must be an object like {{\"command\": \"pytest -q\"}}.");
        foreach (var p in g.EnumerateObject())
            if (p.Name is not ("command" or "timeout_s" or "reward"))
                throw new TaskFileException($"{where}: unknown grader field '{p.Name}' (known: command, timeout_s, reward).");
        var command = RequiredString(g, "command", where + " grader");
        var reward = OptionalString(g, "reward", where) ?? Grading.GraderSpec.ExitReward;
        if (reward is not (Grading.GraderSpec.ExitReward or Grading.GraderSpec.StdoutReward))
            throw new TaskFileException($"{where}: grader 'reward' must be \"exit\" or \"stdout\" (got '{reward}').");
        return new Grading.GraderSpec(command, OptionalPositiveInt(g, "timeout_s", where) ?? 60, reward);
    }

    /// <summary><c>"budget": {"tokens": 200000, "cost_usd": 0.5, "seconds": 600}</c>, any of the three.</summary>
    private static Budget? ParseBudget(JsonElement root, string where)
    {
        if (!root.TryGetProperty("budget", out var b) || b.ValueKind == JsonValueKind.Null) return null;
        if (b.ValueKind != JsonValueKind.Object)
            throw new TaskFileException($"{where}: 'budget' must be an object like {{\"tokens\": 100000, \"cost_usd\": 0.5, \"seconds\": 600}}.");
        foreach (var p in b.EnumerateObject())
            if (p.Name is not ("tokens" or "cost_usd" or "seconds"))
                throw new TaskFileException($"{where}: unknown budget field '{p.Name}' (known: tokens, cost_usd, seconds).");
        double? Positive(string name) =>
            !b.TryGetProperty(name, out var v) || v.ValueKind == JsonValueKind.Null ? null
            : v.ValueKind == JsonValueKind.Number && v.GetDouble() > 0 && double.IsFinite(v.GetDouble()) ? v.GetDouble()
            : throw new TaskFileException($"{where}: budget '{name}' must be a number above 0.");
        var tokens = Positive("tokens");
        if (tokens is { } t && t != Math.Floor(t)) throw new TaskFileException($"{where}: budget 'tokens' must be a whole number.");
        var budget = new Budget((long?)tokens, (decimal?)Positive("cost_usd"), Positive("seconds"));
        return budget.IsEmpty ? null : budget;
    }

    private static string RequiredString(JsonElement root, string name, string where) =>
        OptionalString(root, name, where) is { Length: > 0 } s
            ? s
            : throw new TaskFileException($"{where}: '{name}' is required and must be a non-empty string.");

    private static string? OptionalString(JsonElement root, string name, string where)
    {
        if (!root.TryGetProperty(name, out var el) || el.ValueKind == JsonValueKind.Null) return null;
        return el.ValueKind == JsonValueKind.String
            ? el.GetString()
            : throw new TaskFileException($"{where}: '{name}' must be a string.");
    }

    private static int? OptionalPositiveInt(JsonElement root, string name, string where)
    {
        if (!root.TryGetProperty(name, out var el) || el.ValueKind == JsonValueKind.Null) return null;
        return el.ValueKind == JsonValueKind.Number && el.TryGetInt32(out var n) && n >= 1
            ? n
            : throw new TaskFileException($"{where}: '{name}' must be a whole number of at least 1.");
    }
}
