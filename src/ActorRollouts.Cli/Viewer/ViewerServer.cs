using System.Net;
using System.Net.Sockets;
using ActorRollouts.Actors.Trace;
using ActorRollouts.Cli.Hosting;
using Akka.Actor;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.FileProviders;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace ActorRollouts.Cli.Viewer;

/// <summary>The web viewer (<c>view</c>, <c>run --view</c>): Kestrel in this process, serving the static pages in
/// <c>viewer/</c> beside the binary and the read-only JSON and Server-Sent Events API over the journal. Nothing the viewer
/// serves changes a fleet: it maps GETs only. <c>serve</c> adds the service's API under <c>/v1</c>, behind the same access
/// rule.</summary>
public sealed class ViewerServer : IAsyncDisposable
{
    public const int DefaultPort = 7878;

    private readonly WebApplication _app;
    private readonly CancellationTokenSource _stopping = new();
    private Task _preload = Task.CompletedTask;

    private ViewerServer(WebApplication app, ViewerAccess access, Uri url)
    {
        (_app, Access, Url) = (app, access, url);
    }

    public ViewerAccess Access { get; }

    /// <summary>Where the viewer listens (the bound port, when 0 was asked for).</summary>
    public Uri Url { get; }

    /// <summary>The address to open: <see cref="Url"/>, with the token when one is needed.</summary>
    public string OpenUrl => Access.Token is { } token ? $"{Url}?token={token}" : Url.ToString();

    public static string StaticFolder => Path.Combine(AppContext.BaseDirectory, "viewer");

    /// <param name="service">Maps the service's routes (<c>serve</c>); they alone may take other methods than GET.</param>
    public static async Task<ViewerServer> StartAsync(ActorSystem system, JournalLocation location, string host, int port, CancellationToken cancel,
        Action<WebApplication>? service = null)
    {
        if (!IPAddress.TryParse(host, out _) && host != "localhost")
            throw new UsageException($"--host '{host}' is not an IP address (use 127.0.0.1, the default, or 0.0.0.0 for every interface).");
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { ApplicationName = "actor-rollouts-view" });
        builder.Logging.ClearProviders(); // our stderr shows progress; requests are not worth a line each
        builder.Services.AddSingleton<IHostLifetime, FakeLlm.EmbeddedLifetime>(); // SIGINT and SIGTERM are the program's
        builder.Services.Configure<HostOptions>(options => options.ShutdownTimeout = TimeSpan.FromSeconds(2));
        builder.WebHost.UseUrls($"http://{(host.Contains(':') ? $"[{host}]" : host)}:{port}");
        var app = builder.Build();

        var access = ViewerAccess.For(host);
        var journal = new ViewerJournal(new JournalReader(system), location);
        var workspaces = new WorkspaceBrowser(journal);
        app.Use(access.GuardAsync);
        app.Use(service is null ? ReadOnlyAsync : (context, next) => context.Request.Path.StartsWithSegments("/v1") ? next(context) : ReadOnlyAsync(context, next));
        app.Use(SecurityHeadersAsync);
        var files = new PhysicalFileProvider(StaticFolder);
        app.UseStaticFiles(new StaticFileOptions { FileProvider = files });
        service?.Invoke(app);
        ViewerApi.Map(app, journal, workspaces);
        LiveFeeds.Map(app, journal);
        app.MapGet("/api/{**rest}", () => Results.NotFound(new { error = "no such API" }));
        // Every page is the same shell; its script reads the path (/, /fleets/ID, /sessions/ID, /compare?a=&b=).
        app.MapFallback(async context =>
        {
            context.Response.ContentType = "text/html; charset=utf-8";
            if (DataOf(context.Request.Path) is { } data) context.Response.Headers.Link = $"<{data}>; rel=preload; as=fetch; crossorigin";
            await context.Response.SendFileAsync(files.GetFileInfo("index.html"));
        });
        try
        {
            await app.StartAsync(cancel);
        }
        catch (IOException ex) when (ex.InnerException is SocketException { SocketErrorCode: SocketError.AddressAlreadyInUse } || ex.Message.Contains("address already in use", StringComparison.OrdinalIgnoreCase))
        {
            await app.DisposeAsync();
            throw new UsageException($"the viewer cannot listen on {host}:{port}: the port is in use (pick another with --port, or --port 0 for a free one).");
        }
        var bound = new Uri(app.Urls.First());
        var viewer = new ViewerServer(app, access, new UriBuilder(bound) { Host = host }.Uri);
        viewer._preload = Task.Run(async () =>
        {
            var clock = System.Diagnostics.Stopwatch.StartNew();
            var (fleets, events) = await journal.PreloadAsync(viewer._stopping.Token);
            var read = clock.Elapsed;
            var warmed = await ViewerWarmUp.RunAsync(bound, access.Token, journal, viewer._stopping.Token);
            if (!viewer._stopping.IsCancellationRequested)
                Console.Error.WriteLine($"viewer: ready: read {fleets} fleets' journals ({events:N0} events) in {read.TotalSeconds:F1} s; " +
                                        $"{warmed} pages warmed up in {(clock.Elapsed - read).TotalSeconds:F1} s");
        }, CancellationToken.None);
        return viewer;
    }

    /// <summary>The API address a page's script will fetch first, so the browser can start on it with the page itself
    /// (a <c>Link: rel=preload</c> header) instead of after the scripts have loaded. Encoded as the script encodes it.</summary>
    private static string? DataOf(PathString path)
    {
        var value = path.Value ?? "";
        foreach (var (page, api) in new[] { ("/sessions/", "/api/session?id="), ("/fleets/", "/api/fleet?id=") })
            if (value.StartsWith(page, StringComparison.Ordinal) && value.Length > page.Length)
                return api + Uri.EscapeDataString(value[page.Length..]);
        return null;
    }

    /// <summary>The viewer only reads: anything but GET and HEAD is refused.</summary>
    private static async Task ReadOnlyAsync(HttpContext context, RequestDelegate next)
    {
        if (HttpMethods.IsGet(context.Request.Method) || HttpMethods.IsHead(context.Request.Method))
        {
            await next(context);
            return;
        }
        context.Response.StatusCode = StatusCodes.Status405MethodNotAllowed;
        await context.Response.WriteAsync("405: the viewer only reads.\n");
    }

    /// <summary>A second wall behind rendering everything as text: the pages load scripts and styles from this server only
    /// (no inline script runs even if one got into the DOM), and no other site may frame them.</summary>
    private static Task SecurityHeadersAsync(HttpContext context, RequestDelegate next)
    {
        var headers = context.Response.Headers;
        headers.ContentSecurityPolicy = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; " +
                                        "object-src 'none'; base-uri 'none'; frame-ancestors 'none'";
        headers.XContentTypeOptions = "nosniff";
        headers["Referrer-Policy"] = "no-referrer";
        return next(context);
    }

    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync();
        try
        {
            await _preload;
        }
        catch (Exception ex) when (ex is OperationCanceledException or InvalidOperationException)
        {
            // stopping while it reads (the ActorSystem may be going too): the cache is not needed any more
        }
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
