using System.Net;
using ActorRollouts.Actors.Agents;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace ActorRollouts.Cli.Gateway;

/// <summary>The model gateway of this process's agent sessions: Kestrel on a Unix socket (bound into sandboxes without
/// network) and on a loopback port (for agents with the host's network, or without a sandbox). Each request names its session
/// by its key (<c>Authorization: Bearer …</c>), and becomes that session's next turn (<see cref="AgentGatewayApi"/>).</summary>
public sealed class AgentGatewayServer : IAsyncDisposable
{
    private readonly WebApplication _app;

    private AgentGatewayServer(WebApplication app, AgentGatewayLinks links) => (_app, Links) = (app, links);

    public AgentGatewayLinks Links { get; }

    public static async Task<AgentGatewayServer> StartAsync(CancellationToken cancel)
    {
        // Short: a Unix socket's path must fit in 108 bytes, whatever the data dir is.
        var socket = Path.Combine("/tmp", $"actor-rollouts-gateway-{Environment.ProcessId}-{Guid.NewGuid().ToString("N")[..8]}.sock");
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { ApplicationName = "actor-rollouts-gateway" });
        builder.Logging.ClearProviders();
        builder.Services.AddSingleton<IHostLifetime, FakeLlm.EmbeddedLifetime>();
        builder.Services.Configure<HostOptions>(options => options.ShutdownTimeout = TimeSpan.FromSeconds(2));
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.Limits.MaxRequestBodySize = 256L << 20; // an agent resends its whole history; long sessions' get big
            kestrel.ListenUnixSocket(socket);
            kestrel.Listen(IPAddress.Loopback, 0);
        });
        var app = builder.Build();
        var links = new AgentGatewayLinks(socket);
        AgentGatewayApi.Map(app, links);
        await app.StartAsync(cancel);
        // Any user may connect (an image's own user included): the session's key, not the socket's owner, is what admits a request.
        if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(socket, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.GroupWrite
            | UnixFileMode.OtherRead | UnixFileMode.OtherWrite);
        var port = new Uri(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses
            .First(a => a.StartsWith("http://127.0.0.1:", StringComparison.Ordinal))).Port;
        links.ListensAt($"http://127.0.0.1:{port}/v1");
        return new AgentGatewayServer(app, links);
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
        File.Delete(Links.SocketPath);
    }
}
