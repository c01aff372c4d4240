using ActorRollouts.Actors.Configuration;
using Akka.Actor;
using Akka.Actor.Setup;
using Akka.Configuration;
using Serilog;
using Serilog.Events;

namespace ActorRollouts.Cli.Hosting;

/// <summary>Starts the ActorSystem for one journal: Serilog to <c>&lt;data-dir&gt;/logs</c> (warnings and errors also on
/// stderr), Akka logging through Akka.Logger.Serilog, the SQLite journal in WAL mode or the PostgreSQL one.</summary>
public static class RolloutHost
{
    public static ActorSystem Start(string dataDir, string? userConfig, string name = "actor-rollouts") =>
        Start(new JournalLocation(dataDir, null), userConfig, name);

    /// <summary><paramref name="member"/>: this process joins a rollout cluster (a node, or a submitter).</summary>
    public static ActorSystem Start(JournalLocation journal, string? userConfig, string name = "actor-rollouts", ClusterMember? member = null)
    {
        var logDir = Path.Combine(journal.DataDir, "logs");
        Directory.CreateDirectory(logDir);
        Log.Logger = new LoggerConfiguration()
            .MinimumLevel.Information()
            .WriteTo.File(Path.Combine(logDir, "actor-rollouts.log"), outputTemplate:
                "{Timestamp:yyyy-MM-dd HH:mm:ss.fff} [{Level:u3}] {Message:lj}{NewLine}{Exception}")
            .WriteTo.Console(restrictedToMinimumLevel: LogEventLevel.Warning, standardErrorFromLevel: LogEventLevel.Verbose,
                outputTemplate: "[{Level:u3}] {Message:lj}{NewLine}")
            .CreateLogger();

        var logging = ConfigurationFactory.ParseString($$"""
            akka.loggers = ["Akka.Logger.Serilog.SerilogLogger, Akka.Logger.Serilog"]
            akka.loglevel = INFO
            akka.stdout-loglevel = WARNING
            akka.stdout-logger-class = "{{typeof(StderrLogger).FullName}}, {{typeof(StderrLogger).Assembly.GetName().Name}}"
            """);
        ActorSystemSetup setup;
        try
        {
            var config = journal.Config(userConfig);
            if (member is not null) config = RolloutConfig.ForClusterMember(config, member, userConfig);
            setup = RolloutConfig.Setup(logging.WithFallback(config));
        }
        catch (Exception ex) when (ex is FileNotFoundException or ConfigurationException)
        {
            throw new UsageException(ex.Message);
        }
        ActorSystem system;
        try
        {
            system = ActorSystem.Create(member is null ? name : ClusterMember.SystemName, setup);
        }
        catch (Exception ex) when (member is not null && Causes(ex).OfType<Akka.Remote.RemoteTransportException>().FirstOrDefault() is { } transport)
        {
            throw new UsageException($"cannot listen for the cluster on {member.Host}:{member.Port}: {transport.InnerException?.Message ?? transport.Message} " +
                                     "(another process may hold that port: pick another with --port)");
        }
        WarmScheduler(system);
        return system;
    }

    /// <summary>An exception and every exception inside it (Akka wraps a failed bind in several aggregates).</summary>
    private static IEnumerable<Exception> Causes(Exception ex) =>
        ex is AggregateException aggregate
            ? aggregate.InnerExceptions.SelectMany(Causes).Prepend(ex)
            : ex.InnerException is { } inner ? Causes(inner).Prepend(ex) : [ex];

    /// <summary>Akka's scheduler starts its timer thread on first use and makes every caller wait until it runs. When a
    /// fleet (or a resume) starts, hundreds of sessions schedule their recovery timeouts at once: all of them then wait on
    /// pool threads, spinning, while the new timer thread fights for a core, and a 2-core machine stalled for 4–9 s in
    /// about one start in ten (seen in the benchmark's recovery). Scheduling once here, before any actor exists, starts
    /// the thread on the caller's own thread instead.</summary>
    private static void WarmScheduler(ActorSystem system) =>
        system.Scheduler.Advanced.ScheduleOnce(TimeSpan.Zero, () => { });

    public static async Task StopAsync(ActorSystem system)
    {
        await CoordinatedShutdown.Get(system).Run(CoordinatedShutdown.ClrExitReason.Instance);
        await Environments.Mcp.McpServerStops.WhenAllAsync(TimeSpan.FromSeconds(5)); // the sessions' MCP servers, stopped in the background
        await Log.CloseAndFlushAsync();
    }
}
