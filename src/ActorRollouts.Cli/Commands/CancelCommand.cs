using System.CommandLine;
using ActorRollouts.Actors.Fleets;
using ActorRollouts.Actors.Trace;
using ActorRollouts.Cli.Hosting;
using Akka.Actor;

namespace ActorRollouts.Cli.Commands;

/// <summary><c>cancel SESSION_ID</c>: stop one session of a fleet with <c>stop_reason: "cancelled"</c>. The request is
/// journaled for the fleet (its control journal); the process running the fleet follows it and stops the session at once —
/// its command killed, its unanswered calls answered E_CANCELLED — and a fleet that is not running applies it when resumed.</summary>
public static class CancelCommand
{
    private static readonly Argument<string> SessionId = new("session-id") { Description = "The session to stop (<fleet-id>:<task-id>:<sample>)." };
    private static readonly Option<string?> Reason = new("--reason") { Description = "Why, journaled with the cancellation." };
    private static readonly Option<string> DataDir = CommonOptions.DataDir();
    private static readonly Option<string?> JournalUrl = CommonOptions.JournalUrl();

    public static Command Create()
    {
        var command = new Command("cancel", "Stop one session of a fleet (stop_reason cancelled), running or not.") { SessionId, Reason, DataDir, JournalUrl };
        command.SetAction((parse, _) => CancelAsync(parse));
        return command;
    }

    private static async Task<int> CancelAsync(ParseResult parse)
    {
        var journal = JournalLocation.From(parse, DataDir, JournalUrl).RequireExisting();
        var sessionId = parse.GetValue(SessionId)!;
        if (sessionId.Split(':') is not [var fleetId, _, _])
            throw new UsageException($"'{sessionId}' is not a session id (they look like <fleet-id>:<task-id>:<sample>; see 'actor-rollouts sessions').");
        var system = RolloutHost.Start(journal, null, "actor-rollouts-cancel");
        try
        {
            var reader = new JournalReader(system);
            var fleet = await reader.FleetAsync(fleetId);
            if (!fleet.IsPlanned) throw journal.NoFleet(fleetId);
            if (fleet.Sessions.All(s => s.SessionId != sessionId))
                throw new UsageException($"fleet '{fleetId}' has no session '{sessionId}' (it has {fleet.Sessions[0].SessionId} … {fleet.Sessions[^1].SessionId}).");
            if (fleet.Finished.TryGetValue(sessionId, out var finished))
            {
                Console.WriteLine($"{sessionId} already ended ({finished.Status}{(finished.StopReason is { } stop ? $", {stop}" : "")}): nothing to cancel.");
                return ExitCodes.Ok;
            }

            var why = parse.GetValue(Reason) ?? $"cancelled with the cancel command by {Environment.UserName}";
            var writer = system.ActorOf(FleetControlWriter.Props(fleetId, TimeProvider.System), "control");
            await writer.Ask<FleetControlWriter.Recorded>(new FleetControlWriter.RequestCancel(sessionId, why), TimeSpan.FromSeconds(30));
            Console.WriteLine(journal.RunIsActive(fleetId)
                ? $"{sessionId}: cancel journaled; the process running fleet {fleetId} stops the session now."
                : $"{sessionId}: cancel journaled; fleet {fleetId} is not running, so the session stops as cancelled when the fleet is resumed.");
            return ExitCodes.Ok;
        }
        finally
        {
            await RolloutHost.StopAsync(system);
        }
    }
}
