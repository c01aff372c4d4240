using System.Collections.Concurrent;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace ActorRollouts.Providers.OpenAI.Tests;

/// <summary>One recorded HTTP answer: status, headers, the body exactly as recorded; <see cref="CutAfterBytes"/> drops
/// the connection part-way through the body.</summary>
public sealed record Replay(string Body, int Status = 200, string ContentType = "text/event-stream",
    IReadOnlyDictionary<string, string>? Headers = null, int? CutAfterBytes = null);

/// <summary>Serves a <see cref="Replay"/> to every <c>POST /v1/chat/completions</c> and <c>/v1/responses</c> on
/// 127.0.0.1 and keeps the requests.</summary>
public sealed class ReplayServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly Replay _replay;

    private ReplayServer(WebApplication app, Replay replay)
    {
        _app = app;
        _replay = replay;
    }

    public ConcurrentQueue<(string Body, string? Authorization)> Received { get; } = new();
    public Uri BaseUrl { get; private set; } = null!;

    public static async Task<ReplayServer> StartAsync(Replay replay)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        var app = builder.Build();
        var server = new ReplayServer(app, replay);
        app.MapPost("/v1/chat/completions", server.Answer);
        app.MapPost("/v1/responses", server.Answer);
        await app.StartAsync();
        server.BaseUrl = new Uri(app.Urls.First() + "/v1");
        return server;
    }

    private async Task Answer(HttpContext context)
    {
        Received.Enqueue((await new StreamReader(context.Request.Body).ReadToEndAsync(), context.Request.Headers.Authorization.FirstOrDefault()));
        context.Response.StatusCode = _replay.Status;
        context.Response.ContentType = _replay.ContentType;
        foreach (var (name, value) in _replay.Headers ?? new Dictionary<string, string>()) context.Response.Headers[name] = value;
        var bytes = Encoding.UTF8.GetBytes(_replay.Body);
        if (_replay.CutAfterBytes is { } cut)
        {
            await context.Response.Body.WriteAsync(bytes.AsMemory(0, Math.Min(cut, bytes.Length)));
            await context.Response.Body.FlushAsync();
            context.Abort(); // the connection drops mid-stream
            return;
        }
        await context.Response.Body.WriteAsync(bytes);
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
