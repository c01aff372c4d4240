using System.Collections.Immutable;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace ActorRollouts.FakeLlm;

/// <summary>What the scripted model answers. A script lists scenarios; the first whose <c>match</c> is a substring of
/// the request's first user message plays (no or empty <c>match</c>: a catch-all). The turn it plays is the number of
/// assistant messages already in the request, so the server is stateless: a retried or resumed session gets the same
/// answer for the same transcript.
/// <code>
/// { "scenarios": [ { "match": "fix the typo", "delay_ms": 0, "turns": [
///     { "content": "Let me look.", "tool_calls": [ { "name": "read_file", "arguments": { "path": "a.txt" } } ] },
///     { "tool_calls": [ { "name": "write_file", "arguments_raw": "{\"path\": broken" } ] },
///     { "content": "Fixed.", "delay_ms": 20 } ] } ] }
/// </code>
/// For token capture (vLLM's <c>return_token_ids</c>, <c>/tokenize</c>, <c>/v1/completions</c>; see <see cref="FakeChatTemplate"/>):
/// a turn's optional <c>"retokenize": true</c> makes the template encode that answer differently whenever it comes back
/// in a later request's history (same text, other ids: the drift a real server's re-tokenization causes), and a
/// scenario's optional <c>"template"</c> is <c>"chatml"</c> (the default) or <c>"drop_think"</c>, which renders every
/// earlier assistant message without its <c>&lt;think&gt;</c> block, as Qwen3's template does. A scenario's optional
/// <c>"context_window": N</c> answers a request whose prompt is over N tokens (as its usage counts them) with OpenAI's
/// <c>context_length_exceeded</c> error, as a real server does when a long session outgrows its model's context.</summary>
public sealed class FakeScript
{
    public ImmutableList<FakeScenario> Scenarios { get; }

    private FakeScript(ImmutableList<FakeScenario> scenarios) => Scenarios = scenarios;

    public static FakeScript Load(string path)
    {
        if (!File.Exists(path)) throw new FakeScriptException($"FakeLlm script '{path}' does not exist.");
        return Parse(File.ReadAllText(path), path);
    }

    public static FakeScript Parse(string json, string sourceName = "script")
    {
        JsonNode? root;
        try
        {
            root = JsonNode.Parse(json, documentOptions: new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
        }
        catch (JsonException ex)
        {
            throw new FakeScriptException($"FakeLlm script '{sourceName}' is not valid JSON at line {(ex.LineNumber ?? 0) + 1}: {ex.Message.Split(" Path:")[0]}");
        }
        if (root?["scenarios"] is not JsonArray scenarios || scenarios.Count == 0)
            throw new FakeScriptException($"FakeLlm script '{sourceName}' needs a non-empty \"scenarios\" array.");
        return new FakeScript(scenarios.Select((s, i) => FakeScenario.Parse(s, $"{sourceName}: scenarios[{i}]", i)).ToImmutableList());
    }

    /// <summary>The first scenario whose match occurs in <paramref name="firstUserMessage"/>, or null.</summary>
    public FakeScenario? Find(string firstUserMessage) =>
        Scenarios.FirstOrDefault(s => string.IsNullOrEmpty(s.Match) || firstUserMessage.Contains(s.Match, StringComparison.Ordinal));
}

public sealed record FakeScenario(int Index, string? Match, int DelayMs, ImmutableList<FakeTurn> Turns,
    FakeTemplateStyle Template = FakeTemplateStyle.ChatMl,
    int? ContextWindow = null)
{
    internal static FakeScenario Parse(JsonNode? node, string where, int index)
    {
        if (node is not JsonObject o) throw new FakeScriptException($"{where} must be an object.");
        if (o["turns"] is not JsonArray turns) throw new FakeScriptException($"{where} needs a \"turns\" array.");
        var template = o["template"] switch
        {
            null => FakeTemplateStyle.ChatMl,
            JsonValue v when v.TryGetValue(out string? name) && name == "chatml" => FakeTemplateStyle.ChatMl,
            JsonValue v when v.TryGetValue(out string? name) && name == "drop_think" => FakeTemplateStyle.DropThink,
            var other => throw new FakeScriptException($"{where}.template must be \"chatml\" or \"drop_think\", not {other.ToJsonString()}."),
        };
        var window = o["context_window"] switch
        {
            null => (int?)null,
            JsonValue v when v.TryGetValue(out int tokens) && tokens > 0 => tokens,
            var other => throw new FakeScriptException($"{where}.context_window must be a whole number of tokens above 0, not {other.ToJsonString()}."),
        };
        return new FakeScenario(index, (string?)o["match"], (int?)o["delay_ms"] ?? 0,
            turns.Select((t, i) => FakeTurn.Parse(t, $"{where}.turns[{i}]")).ToImmutableList(), template, window);
    }
}

/// <summary>How the fake chat template renders earlier assistant messages: as they are (ChatML), or without their
/// reasoning (DropThink, as Qwen3's template).</summary>
public enum FakeTemplateStyle
{
    ChatMl,
    DropThink,
}

/// <summary>One scripted answer. <see cref="Reasoning"/> becomes, in the Responses API, a reasoning item with that
/// summary and an encrypted_content; in Chat Completions asked for token ids and in <c>/v1/completions</c>, a
/// <c>&lt;think&gt;</c> block at the start of the text. <see cref="Fault"/>, when set, is served instead of the answer for
/// the first <see cref="FakeFault.Times"/> requests of this turn. <see cref="Retokenize"/>: this answer, back in a later
/// history, is encoded differently (<see cref="FakeChatTemplate"/>).</summary>
public sealed record FakeTurn(string? Content, ImmutableList<FakeToolCall> ToolCalls, int? DelayMs, FakeFault? Fault, string? Reasoning = null,
    bool Retokenize = false)
{
    internal static FakeTurn Parse(JsonNode? node, string where)
    {
        if (node is not JsonObject o) throw new FakeScriptException($"{where} must be an object.");
        var calls = o["tool_calls"] is JsonArray array
            ? array.Select((c, i) => FakeToolCall.Parse(c, $"{where}.tool_calls[{i}]")).ToImmutableList()
            : [];
        if (o["content"] is null && calls.IsEmpty && o["fault"] is null)
            throw new FakeScriptException($"{where} needs \"content\", \"tool_calls\" or a \"fault\".");
        var retokenize = o["retokenize"] switch
        {
            null => false,
            JsonValue v when v.TryGetValue(out bool flag) => flag,
            var other => throw new FakeScriptException($"{where}.retokenize must be true or false, not {other.ToJsonString()}."),
        };
        return new FakeTurn((string?)o["content"], calls, (int?)o["delay_ms"],
            o["fault"] is JsonObject fault ? FakeFault.Parse(fault, $"{where}.fault") : null, (string?)o["reasoning"], retokenize);
    }
}

/// <summary>A tool call to answer with. <see cref="Arguments"/> is sent verbatim (it may be broken JSON on purpose).</summary>
public sealed record FakeToolCall(string Name, string Arguments)
{
    internal static FakeToolCall Parse(JsonNode? node, string where)
    {
        if (node is not JsonObject o || (string?)o["name"] is not { Length: > 0 } name)
            throw new FakeScriptException($"{where} needs a \"name\".");
        var arguments = o["arguments_raw"] is JsonValue raw ? (string)raw!
            : o["arguments"] is { } args ? args.ToJsonString()
            : "{}";
        return new FakeToolCall(name, arguments);
    }
}

/// <summary>An injected failure: an HTTP error (<see cref="Status"/> with headers and body), a stream cut after
/// <see cref="CutAfterChunks"/> chunks, a broken event after <see cref="MalformedAfterChunks"/> chunks, or (Responses API) an in-stream <c>error</c> + <c>response.failed</c> with
/// <see cref="FailedCode"/> and <see cref="FailedMessage"/>. Applies to the first <see cref="Times"/> requests of its turn.</summary>
public sealed record FakeFault(int? Status, ImmutableDictionary<string, string> Headers, string? Body, int? CutAfterChunks, int Times,
    string? FailedCode = null, string? FailedMessage = null, int? MalformedAfterChunks = null)
{
    internal static FakeFault Parse(JsonObject o, string where)
    {
        var headers = o["headers"] is JsonObject h
            ? h.ToImmutableDictionary(kv => kv.Key, kv => kv.Value?.ToString() ?? "")
            : ImmutableDictionary<string, string>.Empty;
        var failed = o["response_failed"] as JsonObject;
        var fault = new FakeFault((int?)o["status"], headers, o["body"]?.ToJsonString(), (int?)o["cut_after_chunks"], (int?)o["times"] ?? 1,
            (string?)failed?["code"], (string?)failed?["message"], (int?)o["malformed_after_chunks"]);
        if (fault.Status is null && fault.CutAfterChunks is null && failed is null && fault.MalformedAfterChunks is null)
            throw new FakeScriptException($"{where} needs \"status\", \"cut_after_chunks\", \"malformed_after_chunks\" or \"response_failed\".");
        return fault;
    }
}

/// <summary>A script could not be used; the message names the file (and line, for JSON errors).</summary>
public sealed class FakeScriptException(string message) : Exception(message);
