using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;

namespace ActorRollouts.FakeLlm;

/// <summary><c>POST /v1/chat/completions</c>: picks the scripted turn for the request's transcript and answers it as a
/// <c>chat.completion</c> object or, with <c>stream: true</c>, as <c>chat.completion.chunk</c> server-sent events in
/// the order real traffic has them (see shared/fixtures/openai/FACTS.md §7).</summary>
internal sealed class ChatCompletionsEndpoint(FakeScript script, RequestLog log)
{
    private readonly FaultCounter _faults = new();
    private long _ids;

    public async Task HandleAsync(HttpContext context)
    {
        var body = await new StreamReader(context.Request.Body).ReadToEndAsync(context.RequestAborted);
        var entry = log.Begin(context, body);
        try
        {
            var (status, usage) = await AnswerAsync(context, body);
            log.End(entry, status, usage);
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

    private async Task<(int Status, FakeUsage? Usage)> AnswerAsync(HttpContext context, string body)
    {
        ChatRequest request;
        try
        {
            request = ChatRequest.Parse(body);
        }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException or FormatException)
        {
            await OpenAiErrors.WriteAsync(context, 400, $"We could not parse the JSON body of your request: {ex.Message}", null);
            return (400, null);
        }
        if (script.Find(request.FirstUserMessage) is not { } scenario)
        {
            await OpenAiErrors.WriteAsync(context, 400, $"[fake-llm] no scenario matches the first user message \"{Shorten(request.FirstUserMessage)}\".", "no_scenario");
            return (400, null);
        }

        var turnIndex = request.AssistantMessages;
        var turn = turnIndex < scenario.Turns.Count
            ? scenario.Turns[turnIndex]
            : new FakeTurn($"[fake-llm] the script has no turn {turnIndex + 1} for this scenario.", [], null, null);
        var delay = turn.DelayMs ?? scenario.DelayMs;
        if (delay > 0) await Task.Delay(delay, context.RequestAborted);

        var fault = turn.Fault is { } f && _faults.ShouldServe(scenario.Index, turnIndex, f) ? f : null;
        if (fault?.Status is { } faultStatus)
        {
            await WriteFaultAsync(context, fault, faultStatus);
            return (faultStatus, null);
        }

        var answer = new ScriptedAnswer(turn, turnIndex, scenario, request, Interlocked.Increment(ref _ids));
        if (!request.Stream)
        {
            context.Response.ContentType = "application/json";
            await context.Response.WriteAsync(answer.Completion().ToJsonString(), context.RequestAborted);
            return (200, answer.Usage);
        }

        context.Response.ContentType = "text/event-stream";
        context.Response.Headers.CacheControl = "no-cache";
        var sent = 0;
        foreach (var chunk in answer.Chunks())
        {
            if (fault?.CutAfterChunks is { } cut && sent == cut)
            {
                context.Abort(); // the connection drops mid-stream, as a flaky network would
                return (200, null);
            }
            await context.Response.WriteAsync($"data: {chunk}\n\n", context.RequestAborted);
            await context.Response.Body.FlushAsync(context.RequestAborted);
            sent++;
        }
        await context.Response.WriteAsync("data: [DONE]\n\n", context.RequestAborted);
        return (200, answer.Usage);
    }

    private static async Task WriteFaultAsync(HttpContext context, FakeFault fault, int status)
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

    private static string Shorten(string text) => text.Length <= 60 ? text : text[..57] + "...";
}

/// <summary>What the server needs from a chat request.</summary>
internal sealed record ChatRequest(string Model, bool Stream, bool IncludeUsage, string FirstUserMessage, int AssistantMessages, int BodyLength)
{
    public static ChatRequest Parse(string body)
    {
        var root = JsonNode.Parse(body) as JsonObject ?? throw new FormatException("the body is not a JSON object");
        if (root["messages"] is not JsonArray messages || messages.Count == 0)
            throw new FormatException("'messages' must be a non-empty array");
        var firstUser = messages.FirstOrDefault(m => (string?)m?["role"] == "user");
        return new ChatRequest(
            (string?)root["model"] ?? "fake-model",
            (bool?)root["stream"] ?? false,
            (bool?)root["stream_options"]?["include_usage"] ?? false,
            firstUser is null ? "" : TextOf(firstUser["content"]),
            messages.Count(m => (string?)m?["role"] == "assistant"),
            Encoding.UTF8.GetByteCount(body));
    }

    /// <summary>Content is a string or an array of parts <c>[{"type":"text","text":…}]</c>.</summary>
    private static string TextOf(JsonNode? content) => content switch
    {
        JsonValue v => (string?)v ?? "",
        JsonArray parts => string.Concat(parts.Select(p => (string?)p?["text"] ?? "")),
        _ => "",
    };
}
