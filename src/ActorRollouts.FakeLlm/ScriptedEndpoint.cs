using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;

namespace ActorRollouts.FakeLlm;

/// <summary>What an API endpoint needs from a request to pick the scripted answer. <see cref="Root"/> is the parsed body,
/// <see cref="Tokens"/> what it asks of tokens, <see cref="PromptIds"/> a prompt sent as token ids (Completions).</summary>
internal sealed record ScriptedRequest(string Model, bool Stream, bool IncludeUsage, string FirstUserMessage, int TurnIndex, int BodyLength)
{
    public JsonObject Root { get; init; } = [];
    public TokenOptions Tokens { get; init; } = TokenOptions.None;
    public int[]? PromptIds { get; init; }
}

/// <summary>What an endpoint answered: the usage it reported (null if the answer did not complete) and, when it spoke
/// tokens, the tokens (kept even when a fault then cut the stream: they are what the model generated).</summary>
internal sealed record Answered(FakeUsage? Usage, FakeTokens? Tokens = null);

/// <summary>The turn chosen for a request, with the fault to inject in its stream (if any).</summary>
internal sealed record ScriptedTurn(FakeScenario Scenario, int Index, FakeTurn Turn, FakeFault? StreamFault, long Sequence);

/// <summary>The flow every scripted API endpoint shares: record the request, parse it, pick the scenario and the turn
/// (the number of earlier assistant turns in the transcript), wait the scripted delay, serve an injected HTTP fault,
/// else let the endpoint render the answer in its API's shapes.</summary>
internal abstract class ScriptedEndpoint(FakeScript script, RequestLog log)
{
    private readonly FaultCounter _faults = new();
    private long _sequence;

    protected abstract ScriptedRequest Parse(JsonObject body, int bodyLength);

    /// <summary>Writes the answer; returns the usage it reported and the tokens it generated.</summary>
    protected abstract Task<Answered> AnswerAsync(HttpContext context, ScriptedRequest request, ScriptedTurn turn);

    public async Task HandleAsync(HttpContext context)
    {
        var body = await new StreamReader(context.Request.Body).ReadToEndAsync(context.RequestAborted);
        var entry = log.Begin(context, body);
        try
        {
            var (status, answered) = await PlayAsync(context, body, entry);
            log.End(entry, status, answered?.Usage, tokens: answered?.Tokens);
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
        {
            log.End(entry, 499, null); // the client went away (e.g. its process was killed)
        }
        finally
        {
            log.Finish();
        }
    }

    private async Task<(int Status, Answered? Answered)> PlayAsync(HttpContext context, string body, int entry)
    {
        ScriptedRequest request;
        try
        {
            request = Parse(JsonNode.Parse(body) as JsonObject ?? throw new FormatException("the body is not a JSON object"), body.Length);
        }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException or FormatException)
        {
            await OpenAiErrors.WriteAsync(context, 400, $"We could not parse the JSON body of your request: {ex.Message}", null);
            return (400, null);
        }
        if (script.Find(request.FirstUserMessage) is not { } scenario)
        {
            var shown = request.FirstUserMessage.Length <= 60 ? request.FirstUserMessage : request.FirstUserMessage[..57] + "...";
            await OpenAiErrors.WriteAsync(context, 400, $"[fake-llm] no scenario matches the first user message \"{shown}\".", "no_scenario");
            return (400, null);
        }

        if (scenario.ContextWindow is { } window && PromptTokens(request) > window)
        {
            await OpenAiErrors.WriteAsync(context, 400, $"This model's maximum context length is {window} tokens. However, your messages resulted in " +
                $"{PromptTokens(request)} tokens. Please reduce the length of the messages.", "context_length_exceeded", param: "messages");
            return (400, null);
        }
        log.Turn(entry, request.TurnIndex);
        var turn = request.TurnIndex < scenario.Turns.Count
            ? scenario.Turns[request.TurnIndex]
            : new FakeTurn($"[fake-llm] the script has no turn {request.TurnIndex + 1} for this scenario.", [], null, null);
        var delay = turn.DelayMs ?? scenario.DelayMs;
        if (delay > 0) await Task.Delay(delay, context.RequestAborted);

        var fault = turn.Fault is { } f && _faults.ShouldServe(scenario.Index, request.TurnIndex, f) ? f : null;
        if (fault?.Status is { } status)
        {
            await WriteHttpFaultAsync(context, fault, status);
            return (status, null);
        }
        return (200, await AnswerAsync(context, request, new ScriptedTurn(scenario, request.TurnIndex, turn, fault, Interlocked.Increment(ref _sequence))));
    }

    private static async Task WriteHttpFaultAsync(HttpContext context, FakeFault fault, int status)
    {
        context.Response.StatusCode = status;
        foreach (var (name, value) in fault.Headers) context.Response.Headers[name] = value;
        context.Response.ContentType = "application/json";
        var body = fault.Body ?? new JsonObject
        {
            ["error"] = new JsonObject { ["message"] = $"[fake-llm] injected HTTP {status}", ["type"] = "server_error", ["param"] = null, ["code"] = null },
        }.ToJsonString();
        await context.Response.WriteAsync(body, context.RequestAborted);
    }

    /// <summary>Writes server-sent events, cutting the connection after the fault's chunk count if it has one.</summary>
    protected static async Task<bool> StreamAsync(HttpContext context, IEnumerable<string> events, FakeFault? fault)
    {
        context.Response.ContentType = "text/event-stream";
        context.Response.Headers.CacheControl = "no-cache";
        var sent = 0;
        foreach (var e in events)
        {
            if (fault?.CutAfterChunks is { } cut && sent == cut)
            {
                context.Abort(); // the connection drops mid-stream, as a flaky network would
                return false;
            }
            if (fault?.MalformedAfterChunks is { } broken && sent == broken)
            {
                await context.Response.WriteAsync("data: {\"id\": \"garbled\", \"choices\": [\n\n", context.RequestAborted);
                return false; // a proxy mangled the stream; nothing sensible can follow
            }
            await context.Response.WriteAsync(e, context.RequestAborted);
            await context.Response.Body.FlushAsync(context.RequestAborted);
            sent++;
        }
        return true;
    }

    protected static string TextOf(JsonNode? content) => MessageText.Of(content);

    /// <summary>Pieces of about three words, spaces kept, so a client really has to assemble.</summary>
    protected static IEnumerable<string> SplitWords(string text)
    {
        var words = text.Split(' ');
        for (var i = 0; i < words.Length; i += 3)
            yield return string.Join(' ', words.Skip(i).Take(3)) + (i + 3 < words.Length ? " " : "");
    }

    /// <summary>Argument pieces as a client must assemble them: three for short arguments, and pieces of at most
    /// <see cref="LongArgumentPiece"/> characters for long ones, as a real model streams long arguments a few tokens at a
    /// time (a client that gets 20 MB of arguments gets them in many small deltas). Never between a surrogate pair.</summary>
    protected static IEnumerable<string> SplitArguments(string text)
    {
        if (text.Length < 3)
        {
            yield return text;
            yield break;
        }
        var piece = text.Length <= 3 * LongArgumentPiece ? text.Length / 3 : LongArgumentPiece;
        for (int start = 0, count = 1; start < text.Length; count++)
        {
            var end = count == 3 && piece < LongArgumentPiece ? text.Length : Math.Min(text.Length, start + piece);
            if (end < text.Length && end - start > 1 && char.IsLowSurrogate(text[end])) end--;
            yield return text[start..end];
            start = end;
        }
    }

    private const int LongArgumentPiece = 16 * 1024;

    /// <summary>A short tag that names a scripted turn, stable across runs (for ids and encrypted content).</summary>
    protected static string Tag(ScriptedTurn turn) =>
        Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes($"{turn.Scenario.Match}|{turn.Index}")))[..6].ToLowerInvariant();

    /// <summary>A request's prompt tokens as its usage reports them (and its context window counts them): a token per four bytes.</summary>
    private static int PromptTokens(ScriptedRequest request) => Math.Max(1, (request.BodyLength + 3) / 4);

    /// <summary>Deterministic usage, so tests can sum what the server reported: about four bytes a token.</summary>
    protected static FakeUsage UsageFor(ScriptedRequest request, FakeTurn turn) =>
        new(PromptTokens(request),
            Math.Max(1, ((turn.Content?.Length ?? 0) + (turn.Reasoning?.Length ?? 0) + turn.ToolCalls.Sum(c => c.Name.Length + c.Arguments.Length) + 3) / 4));
}
