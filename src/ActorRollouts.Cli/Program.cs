using System.CommandLine;
using ActorRollouts.Cli.Commands;
using ActorRollouts.Cli.Hosting;

namespace ActorRollouts.Cli;

/// <summary>The <c>actor-rollouts</c> command. Exit codes: 0 success, 1 a session failed, 2 a usage or input error.</summary>
public static class Program
{
    public static async Task<int> Main(string[] args)
    {
        var root = new RootCommand("ActorRollouts: run LLM agent rollouts as durable Akka.NET actors.")
        {
            RunCommand.Create(),
            ResumeCommand.Create(),
            SessionsCommand.Create(),
            TraceCommand.Create(),
            WorkspaceCommand.Create(),
            ForkCommand.Create(),
            StatsCommand.Create(),
            ExportCommand.Create(),
            CancelCommand.Create(),
            FakeLlmCommand.Create(),
            NodeCommand.Create(),
            ViewCommand.Create(),
            ServeCommand.Create(),
        };
        var parsed = root.Parse(args);
        if (parsed.Errors.Count > 0)
        {
            foreach (var error in parsed.Errors) Console.Error.WriteLine($"error: {error.Message}");
            Console.Error.WriteLine("Run 'actor-rollouts --help' for usage.");
            return ExitCodes.Usage;
        }
        Termination.Install(); // our own SIGINT/SIGTERM handling, so it is off in System.CommandLine
        try
        {
            return await parsed.InvokeAsync(new InvocationConfiguration { EnableDefaultExceptionHandler = false, ProcessTerminationTimeout = null },
                Termination.Token);
        }
        catch (UsageException ex)
        {
            Console.Error.WriteLine($"error: {ex.Message}");
            return ExitCodes.Usage;
        }
    }
}

public static class ExitCodes
{
    public const int Ok = 0;
    public const int SessionsFailed = 1;
    public const int Usage = 2;
    /// <summary>130 after SIGINT (Ctrl-C), 143 after SIGTERM.</summary>
    public static int Interrupted => Termination.ExitCode;
}

/// <summary>Bad input from the user (options, files): reported as one clear line, exit code 2, nothing started.</summary>
public sealed class UsageException(string message) : Exception(message);
