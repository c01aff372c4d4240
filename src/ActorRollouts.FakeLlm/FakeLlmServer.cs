using System.Collections.Concurrent;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace ActorRollouts.FakeLlm;

/// <summary>A scripted OpenAI-compatible server on 127.0.0.1 (Kestrel). It answers <c>POST /v1/chat/completions</c> and
/// <c>POST /v1/responses</c>, streaming and not, in the real shapes, and records every request for tests to assert on.
/// It also speaks tokens in vLLM's shapes (<see cref="FakeTokenizer"/>, <see cref="FakeChatTemplate"/>):
/// <c>return_token_ids</c> and logprobs in Chat Completions, <c>POST /v1/completions</c> with a prompt of token ids,
/// and <c>POST /tokenize</c> (at the root, as vLLM serves it).</summary>
public sealed class FakeLlmServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ChatCompletionsEndpoint _chat;
    private readonly ResponsesEndpoint _responses;
    private readonly CompletionsEndpoint _completions;
    private readonly TokenizeEndpoint _tokenize;
    private readonly RequestLog _log;

    private FakeLlmServer(WebApplication app, FakeScript script, bool keepRequests)
    {
        _app = app;
        _log = new RequestLog(keepRequests);
        _chat = new ChatCompletionsEndpoint(script, _log);
        _responses = new ResponsesEndpoint(script, _log);
        _completions = new CompletionsEndpoint(script, _log);
        _tokenize = new TokenizeEndpoint(script, _log);
    }

    public Uri BaseUrl { get; private set; } = null!;

    /// <summary>Every request received so far, in arrival order (a snapshot); empty when started without keeping them.</summary>
    public IReadOnlyList<RecordedRequest> Requests => _log.Snapshot();

    /// <summary>How many requests arrived, kept or not.</summary>
    public long RequestCount => _log.Count;

    public int InFlight => _log.InFlight;

    /// <summary>Completes when the <paramref name="n"/>th request (counting from 1, kept or not) has arrived: on its
    /// arrival, before it is answered, so a test can act while that request is still in flight. Already complete when
    /// that many requests came earlier. Tests await this instead of polling <see cref="Requests"/>.</summary>
    public Task WhenRequestsReach(long n, CancellationToken cancellationToken = default) => _log.WhenCountReaches(n, cancellationToken);

    /// <summary>Completes with the first request, already received or yet to come, that <paramref name="match"/>es: it is
    /// tried on arrival, again once the request's scripted <see cref="RecordedRequest.Turn"/> is known (before any delay)
    /// and again when it is answered. It runs under the log's lock: keep it cheap. Needs the server to keep requests.</summary>
    public Task<RecordedRequest> WhenRequest(Func<RecordedRequest, bool> match, CancellationToken cancellationToken = default) =>
        _log.WhenMatch(match, cancellationToken);

    /// <summary>The most requests ever answered at the same time since the server started.</summary>
    public int MaxInFlight => _log.MaxInFlight;

    /// <summary>Starts the server. <paramref name="keepRequests"/> off keeps only counts, not bodies: a benchmark of
    /// tens of thousands of calls should not make the server hold every transcript it was sent.</summary>
    public static async Task<FakeLlmServer> StartAsync(FakeScript script, int port = 0, CancellationToken cancellationToken = default,
        bool keepRequests = true)
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { ApplicationName = "fake-llm" });
        builder.Logging.ClearProviders(); // it runs inside a CLI whose stderr shows progress
        // The program that embeds the server owns SIGINT and SIGTERM: the host's console lifetime would take them and
        // only stop the server, leaving the program running. Stopping does not wait long for answers in flight.
        builder.Services.AddSingleton<IHostLifetime, EmbeddedLifetime>();
        builder.Services.Configure<HostOptions>(options => options.ShutdownTimeout = TimeSpan.FromSeconds(2));
        builder.WebHost.UseUrls($"http://127.0.0.1:{port}");
        var app = builder.Build();
        var server = new FakeLlmServer(app, script, keepRequests);
        app.MapPost("/v1/chat/completions", server._chat.HandleAsync);
        app.MapPost("/v1/responses", server._responses.HandleAsync);
        app.MapPost("/v1/completions", server._completions.HandleAsync);
        app.MapPost("/tokenize", server._tokenize.HandleAsync);
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
/// number of earlier assistant turns in its transcript), null when none was played. <see cref="Tokens"/> is set when
/// the answer was given in tokens (Chat Completions with <c>return_token_ids</c> or <c>logprobs</c>, and Completions), so
/// a test can compare what a client captured with what the fake generated, token for token.</summary>
public sealed record RecordedRequest(
    string Method, string Path, string Body, string? Authorization, DateTimeOffset ReceivedAt, int StatusCode, FakeUsage? ReportedUsage,
    int? Turn = null, FakeTokens? Tokens = null);

public sealed record FakeUsage(int PromptTokens, int CompletionTokens);

/// <summary>The tokens of one answer: the prompt as the server rendered (or received) it, the completion (ending with
/// the EOS, <c>&lt;|im_end|&gt;</c>) and the logprob of each completion token.</summary>
public sealed record FakeTokens(int[] PromptIds, int[] CompletionIds, float[] Logprobs);

/// <summary>The server's record of requests, and the in-flight counter tests use to check concurrency limits.
/// A request is recorded on arrival (so a test can see a request that is still being answered) and completed later.
/// Without <paramref name="keep"/> only the counters are kept (entry -1 stands for "not recorded").
/// Waiters (<see cref="WhenCountReaches"/>, <see cref="WhenMatch"/>) are completed by the log itself as requests arrive
/// or change, under the same lock that registers them, so none can miss the request it waits for.</summary>
internal sealed class RequestLog(bool keep = true)
{
    private readonly List<RecordedRequest> _requests = [];
    private readonly Lock _gate = new();
    private readonly List<(long Target, TaskCompletionSource Done)> _countWaiters = [];
    private readonly List<(Func<RecordedRequest, bool> Match, TaskCompletionSource<RecordedRequest> Done)> _matchWaiters = [];
    private int _inFlight, _maxInFlight;
    private long _count;

    public int InFlight => Volatile.Read(ref _inFlight);
    public int MaxInFlight => Volatile.Read(ref _maxInFlight);
    public long Count => Interlocked.Read(ref _count);

    public int Begin(HttpContext context, string body)
    {
        var now = Interlocked.Increment(ref _inFlight);
        int seen;
        while (now > (seen = Volatile.Read(ref _maxInFlight)) && Interlocked.CompareExchange(ref _maxInFlight, now, seen) != seen)
        {
        }
        lock (_gate)
        {
            var count = Interlocked.Increment(ref _count);
            var entry = -1;
            if (keep)
            {
                _requests.Add(new RecordedRequest(context.Request.Method, context.Request.Path, body,
                    context.Request.Headers.Authorization.FirstOrDefault(), DateTimeOffset.UtcNow, 0, null));
                entry = _requests.Count - 1;
                Matched(_requests[entry]);
            }
            for (var i = _countWaiters.Count - 1; i >= 0; i--)
            {
                if (_countWaiters[i].Target > count) continue;
                _countWaiters[i].Done.TrySetResult();
                _countWaiters.RemoveAt(i);
            }
            return entry;
        }
    }

    public void End(int entry, int statusCode, FakeUsage? usage, int? turn = null, FakeTokens? tokens = null)
    {
        if (entry < 0) return;
        lock (_gate)
            Matched(_requests[entry] = _requests[entry] with
            {
                StatusCode = statusCode, ReportedUsage = usage, Turn = turn ?? _requests[entry].Turn, Tokens = tokens ?? _requests[entry].Tokens,
            });
    }

    /// <summary>Notes the turn as soon as it is known, so a test can see it while the answer is still delayed.</summary>
    public void Turn(int entry, int turn)
    {
        if (entry < 0) return;
        lock (_gate) Matched(_requests[entry] = _requests[entry] with { Turn = turn });
    }

    public Task WhenCountReaches(long n, CancellationToken cancellationToken)
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_gate)
        {
            if (Interlocked.Read(ref _count) >= n) return Task.CompletedTask;
            _countWaiters.Add((n, done));
        }
        return Cancellable(done.Task, cancellationToken, () => _countWaiters.RemoveAll(w => w.Done == done));
    }

    public Task<RecordedRequest> WhenMatch(Func<RecordedRequest, bool> match, CancellationToken cancellationToken)
    {
        if (!keep) throw new InvalidOperationException("WhenRequest needs a server that keeps requests (keepRequests: true).");
        var done = new TaskCompletionSource<RecordedRequest>(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_gate)
        {
            if (_requests.FirstOrDefault(match) is { } earlier) return Task.FromResult(earlier);
            _matchWaiters.Add((match, done));
        }
        return Cancellable(done.Task, cancellationToken, () => _matchWaiters.RemoveAll(w => w.Done == done));
    }

    /// <summary>Called under the lock with a new or changed request: completes (and drops) the waiters it satisfies.</summary>
    private void Matched(RecordedRequest request)
    {
        for (var i = _matchWaiters.Count - 1; i >= 0; i--)
        {
            var (match, done) = _matchWaiters[i];
            try
            {
                if (!match(request)) continue;
                done.TrySetResult(request);
            }
            catch (Exception ex)
            {
                done.TrySetException(ex); // a broken predicate fails its waiter, never the request being served
            }
            _matchWaiters.RemoveAt(i);
        }
    }

    /// <summary>The waiter's task, cancelled (and the waiter dropped) when <paramref name="cancellationToken"/> fires first.</summary>
    private async Task<T> Cancellable<T>(Task<T> task, CancellationToken cancellationToken, Action drop)
    {
        try
        {
            return await task.WaitAsync(cancellationToken);
        }
        catch (OperationCanceledException) when (!task.IsCompleted)
        {
            lock (_gate) drop();
            throw;
        }
    }

    private async Task Cancellable(Task task, CancellationToken cancellationToken, Action drop)
    {
        try
        {
            await task.WaitAsync(cancellationToken);
        }
        catch (OperationCanceledException) when (!task.IsCompleted)
        {
            lock (_gate) drop();
            throw;
        }
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
    public static Task WriteAsync(HttpContext context, int status, string message, string? code, string type = "invalid_request_error",
        string? param = null)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = "application/json";
        var body = new System.Text.Json.Nodes.JsonObject
        {
            ["error"] = new System.Text.Json.Nodes.JsonObject { ["message"] = message, ["type"] = type, ["param"] = param, ["code"] = code },
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

/// <summary>A host lifetime that leaves signals to the program: the server starts and stops when told, nothing else.</summary>
public sealed class EmbeddedLifetime : IHostLifetime
{
    public Task WaitForStartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
