using System.Collections.Immutable;
using System.Diagnostics;
using ActorRollouts.Actors.Configuration;
using ActorRollouts.Actors.Sessions;
using ActorRollouts.Cli.Hosting;
using ActorRollouts.Core.Model;
using ActorRollouts.Core.Tasks;
using Akka.Actor;

namespace ActorRollouts.Bench.Modes;

/// <summary>How long a fresh process takes to recover every session of a run from its journal: a new
/// ActorSystem on the same journal starts each session actor, which replays its journal (from its latest snapshot),
/// finds it finished and reports its outcome.</summary>
public static class SessionRecovery
{
    public static async Task<double> SecondsAsync(JournalLocation journal, ImmutableList<SessionSpec> sessions, string workspacesDir, CancellationToken cancel)
    {
        // As `resume` would, in a fresh process: no connection of the run's stopped ActorSystem may linger in the pool.
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Npgsql.NpgsqlConnection.ClearAllPools();
        var system = RolloutHost.Start(journal, null, "bench-recovery");
        try
        {
            var services = new SessionServices(new NoModel(), RolloutSettings.From(system.Settings.Config), workspacesDir, TimeProvider.System);
            var all = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);
            await using var _ = cancel.Register(() => all.TrySetCanceled());
            var clock = Stopwatch.StartNew();
            system.ActorOf(Props.Create(() => new RecoverAll(sessions, services, all)), "recover-all");
            var completed = await all.Task;
            clock.Stop();
            if (completed != sessions.Count)
                throw new InvalidOperationException($"recovery: only {completed} of {sessions.Count} sessions recovered as completed");
            return clock.Elapsed.TotalSeconds;
        }
        finally
        {
            await RolloutHost.StopAsync(system);
        }
    }

    /// <summary>Starts every session at once and counts the completed ones as they report.</summary>
    private sealed class RecoverAll : ReceiveActor
    {
        public RecoverAll(ImmutableList<SessionSpec> sessions, SessionServices services, TaskCompletionSource<int> all)
        {
            var waiting = sessions.Count;
            var completed = 0;
            foreach (var spec in sessions)
                Context.ActorOf(SessionActor.Props(spec.SessionId, services)).Tell(new SessionCommands.StartSession(spec));
            Receive<SessionNotifications.SessionEnded>(ended =>
            {
                Context.Stop(Sender);
                if (ended.Status == Core.Fleets.SessionOutcomes.Completed) completed++;
                if (--waiting == 0) all.TrySetResult(completed);
            });
        }
    }

    private sealed class NoModel : IModelClient
    {
        public Task<ModelResponse> CompleteAsync(ModelRequest request, Action<ModelDelta>? onDelta, CancellationToken cancellationToken) =>
            throw new InvalidOperationException("a finished session never calls the model");
    }
}
