using System.Collections.Concurrent;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace ActorRollouts.FakeLlm;

/// <summary>A scripted OpenAI-compatible server on 127.0.0.1 (Kestrel). It answers <c>POST /v1/chat/completions</c> and
/// <c>POST /v1/responses</c>, streaming and not, in the real shapes, and records every request for tests to assert on.</summary>
public sealed class FakeLlmServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ChatCompletionsEndpoint _chat;
    private readonly ResponsesEndpoint _responses;
    private readonly RequestLog _log;

    private FakeLlmServer(WebApplication app, FakeScript script, bool keepRequests)
    {
        _app = app;
        _log = new RequestLog(keepRequests);
        _chat = new ChatCompletionsEndpoint(script, _log);
        _responses = new ResponsesEndpoint(script, _log);
    }

    public Uri BaseUrl { get; private set; } = null!;

    /// <summary>Every request received so far, in arrival order (a snapshot); empty when started without keeping them.</summary>
    public IReadOnlyList<RecordedRequest> Requests => _log.Snapshot();

    /// <summary>How many requests arrived, kept or not.</summary>
    public long RequestCount => _log.Count;

    public int InFlight => _log.InFlight;

    /// <summary>The most requests ever answered at the same time since the server started.</summary>
    public int MaxInFlight => _log.MaxInFlight;

    /// <summary>Starts the server. <paramref name="keepRequests"/> off keeps only counts, not bodies: a benchmark of
    /// tens of thousands of calls should not make the server hold every transcript it was sent.</summary>
    public static async Task<FakeLlmServer> StartAsync(FakeScript script, int port = 0, CancellationToken cancellationToken = default,
        bool keepRequests = true)
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { ApplicationName = "fake-llm" });
        builder.Logging.ClearProviders(); // it runs inside a CLI whose stderr shows progress
        builder.WebHost.UseUrls($"http://127.0.0.1:{port}");
        var app = builder.Build();
        var server = new FakeLlmServer(app, script, keepRequests);
        app.MapPost("/v1/chat/completions", server._chat.HandleAsync);
        app.MapPost("/v1/responses", server._responses.HandleAsync);
        app.MapFallback(server.NotFoundAsync);
        await app.StartAsync(cancellationToken);
        server.BaseUrl = new Uri(app.Urls.First().TrimEnd('/') + "/v1");
        return server;
    }

    private async Task NotFoundAsync(HttpContext context)
    {
        var body = await new StreamReader(context.Request.Body).ReadToEndAsync(context.RequestAborted);
        var entry = _log.Begin(context, body);
        try
        {
            await OpenAiErrors.WriteAsync(context, 404, $"Unknown request URL: {context.Request.Method} {context.Request.Path}.", "unknown_url");
            _log.End(entry, 404, null);
        }
        finally
        {
            _log.Finish();
        }
    }

    public Task StopAsync() => _app.StopAsync();

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}

/// <summary>A request the server received. <see cref="Turn"/> is the scripted turn it was answered from (0-based; the
/// number of earlier assistant turns in its transcript), null when none was played.</summary>
public sealed record RecordedRequest(
    string Method, string Path, string Body, string? Authorization, DateTimeOffset ReceivedAt, int StatusCode, FakeUsage? ReportedUsage,
    int? Turn = null);

public sealed record FakeUsage(int PromptTokens, int CompletionTokens);

/// <summary>The server's record of requests, and the in-flight counter tests use to check concurrency limits.
/// A request is recorded on arrival (so a test can see a request that is still being answered) and completed later.
/// Without <paramref name="keep"/> only the counters are kept (entry -1 stands for "not recorded").</summary>
internal sealed class RequestLog(bool keep = true)
{
    private readonly List<RecordedRequest> _requests = [];
    private readonly Lock _gate = new();
    private int _inFlight, _maxInFlight;
    private long _count;

    public int InFlight => Volatile.Read(ref _inFlight);
    public int MaxInFlight => Volatile.Read(ref _maxInFlight);
    public long Count => Interlocked.Read(ref _count);

    public int Begin(HttpContext context, string body)
    {
        Interlocked.Increment(ref _count);
        var now = Interlocked.Increment(ref _inFlight);
        int seen;
        while (now > (seen = Volatile.Read(ref _maxInFlight)) && Interlocked.CompareExchange(ref _maxInFlight, now, seen) != seen)
        {
        }
        if (!keep) return -1;
        lock (_gate)
        {
            _requests.Add(new RecordedRequest(context.Request.Method, context.Request.Path, body,
                context.Request.Headers.Authorization.FirstOrDefault(), DateTimeOffset.UtcNow, 0, null));
            return _requests.Count - 1;
        }
    }

    public void End(int entry, int statusCode, FakeUsage? usage, int? turn = null)
    {
        if (entry < 0) return;
        lock (_gate) _requests[entry] = _requests[entry] with { StatusCode = statusCode, ReportedUsage = usage, Turn = turn ?? _requests[entry].Turn };
    }

    /// <summary>Notes the turn as soon as it is known, so a test can see it while the answer is still delayed.</summary>
    public void Turn(int entry, int turn)
    {
        if (entry < 0) return;
        lock (_gate) _requests[entry] = _requests[entry] with { Turn = turn };
    }

    public void Finish() => Interlocked.Decrement(ref _inFlight);

    public IReadOnlyList<RecordedRequest> Snapshot()
    {
        lock (_gate) return [.. _requests];
    }
}

/// <summary>Errors in OpenAI's shape: <c>{"error":{"message","type","param","code"}}</c>.</summary>
internal static class OpenAiErrors
{
    public static Task WriteAsync(HttpContext context, int status, string message, string? code, string type = "invalid_request_error")
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = "application/json";
        var body = new System.Text.Json.Nodes.JsonObject
        {
            ["error"] = new System.Text.Json.Nodes.JsonObject { ["message"] = message, ["type"] = type, ["param"] = null, ["code"] = code },
        };
        return context.Response.WriteAsync(body.ToJsonString(), context.RequestAborted);
    }
}

/// <summary>Counts how often each (scenario, turn) fault has been served, so a fault applies only its first N times.</summary>
internal sealed class FaultCounter
{
    private readonly ConcurrentDictionary<(int Scenario, int Turn), int> _served = new();

    public bool ShouldServe(int scenario, int turn, FakeFault fault) =>
        _served.AddOrUpdate((scenario, turn), 1, (_, n) => n + 1) <= fault.Times;
}
