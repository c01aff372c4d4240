using System.CommandLine;
using System.Text.Json;
using System.Text.RegularExpressions;
using ActorRollouts.Cli.Hosting;
using ActorRollouts.Core.Fleets;

namespace ActorRollouts.Cli.Service;

/// <summary>A fleet's <c>settings</c> object as <c>POST /v1/fleets</c> takes it: the names of <c>run</c>'s fleet options in
/// snake_case (<c>max_turns</c> for <c>--max-turns</c>), plus <c>concurrency</c> and the served fleet's own
/// <c>max_staleness</c>, <c>restart_stale</c> and <c>max_queued</c>. Values are checked by the very code that checks
/// <c>run</c>'s command line, so both refuse the same things; errors name <c>settings.&lt;key&gt;</c>.</summary>
public static partial class ServiceSettings
{
    /// <summary>Options of <c>run</c> that are about the process, not the fleet: not settings of a served fleet.</summary>
    private static readonly HashSet<string> ProcessOptions = ["out", "watch", "view", "view_port", "data_dir", "journal_url", "config", "seeds", "host"];

    public sealed record Parsed(FleetSettingsChange Change, int? Concurrency);

    /// <summary>Every key a served fleet's settings may have.</summary>
    public static IEnumerable<string> Keys =>
        new FleetOptions().All.Select(o => Key(o.Name)).Where(k => !ProcessOptions.Contains(k)).Concat(["max_staleness", "restart_stale", "max_queued"]).Order();

    public static Parsed Parse(JsonElement settings)
    {
        if (settings.ValueKind != JsonValueKind.Object) throw ApiError.BadRequest("settings must be a JSON object.");
        var options = new FleetOptions();
        var byKey = options.All.Where(o => !ProcessOptions.Contains(Key(o.Name))).ToDictionary(o => Key(o.Name));
        var args = new List<string>();
        int? maxStaleness = null, maxQueued = null;
        bool? restartStale = null;
        foreach (var field in settings.EnumerateObject())
        {
            var (key, value) = (field.Name, field.Value);
            switch (key)
            {
                case "max_staleness": maxStaleness = WholeNumber(value, key, min: 0); continue;
                case "max_queued": maxQueued = WholeNumber(value, key, min: 0); continue;
                case "restart_stale":
                    restartStale = value.ValueKind is JsonValueKind.True or JsonValueKind.False ? value.GetBoolean() : throw ApiError.BadRequest("settings.restart_stale must be true or false.");
                    continue;
                case "fake_llm":
                    throw ApiError.BadRequest("settings.fake_llm: a served fleet cannot run the scripted model in the server; start `actor-rollouts fake-llm --script FILE` and give its address as base_url.");
            }
            if (!byKey.TryGetValue(key, out var option))
                throw ApiError.BadRequest($"settings: unknown key '{key}' (known: {string.Join(", ", Keys)}).");
            if (value.ValueKind == JsonValueKind.Null) continue;
            args.Add(option.Name);
            args.Add(Text(value, key, option.ValueType));
        }
        var command = new Command("settings");
        foreach (var option in options.All) command.Add(option);
        var parse = command.Parse(args);
        if (parse.Errors.Count > 0) throw ApiError.BadRequest(Named(parse.Errors[0].Message));
        try
        {
            var change = options.Change(parse) with { MaxStaleness = maxStaleness, RestartStale = restartStale, MaxQueued = maxQueued };
            return new Parsed(change, parse.GetValue(options.Concurrency));
        }
        catch (UsageException ex)
        {
            throw ApiError.BadRequest(Named(ex.Message));
        }
    }

    /// <summary>The value as <c>run</c>'s command line would have it: JSON strings for text options, numbers for numbers,
    /// and <c>extra_body</c> as an object.</summary>
    private static string Text(JsonElement value, string key, Type type)
    {
        if (key == "extra_body")
            return value.ValueKind == JsonValueKind.Object ? value.GetRawText() : throw ApiError.BadRequest("settings.extra_body must be a JSON object.");
        var numeric = Nullable.GetUnderlyingType(type) ?? type;
        if (numeric == typeof(string))
            return value.ValueKind == JsonValueKind.String ? value.GetString()! : throw ApiError.BadRequest($"settings.{key} must be a string.");
        if (numeric == typeof(bool))
            throw ApiError.BadRequest($"settings.{key} is not a fleet setting.");
        return value.ValueKind == JsonValueKind.Number ? value.GetRawText() : throw ApiError.BadRequest($"settings.{key} must be a number.");
    }

    private static int WholeNumber(JsonElement value, string key, int min) =>
        value.ValueKind == JsonValueKind.Number && value.TryGetInt32(out var n) && n >= min
            ? n
            : throw ApiError.BadRequest($"settings.{key} must be a whole number of at least {min}.");

    private static string Key(string optionName) => optionName.TrimStart('-').Replace('-', '_');

    /// <summary><c>run</c>'s messages name options (<c>--max-turns</c>); the service's name settings keys.</summary>
    public static string Named(string message) => OptionName().Replace(message, m => $"settings.{Key(m.Value)}");

    [GeneratedRegex("--[a-z][a-z-]*")]
    private static partial Regex OptionName();
}
