using Akka.Event;

namespace ActorRollouts.Cli.Hosting;

/// <summary>Akka's fallback logger, used while the ActorSystem starts and after its loggers stop. The default one
/// prints at INFO to stdout, so a shutdown message could land in the middle of <c>export</c> or <c>trace</c> output.
/// This one keeps stdout for the command's own output: warnings and errors go to stderr, the rest is dropped (the log
/// file has it).</summary>
public sealed class StderrLogger : MinimalLogger
{
    protected override void Log(object message)
    {
        if (message is LogEvent logEvent && logEvent.LogLevel() >= LogLevel.WarningLevel)
            Console.Error.WriteLine($"[{logEvent.LogLevel().ToString().Replace("Level", "").ToUpperInvariant()}] {logEvent.LogSource}: {logEvent.Message}");
    }
}
