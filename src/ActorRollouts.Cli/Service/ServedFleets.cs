using System.Collections.Concurrent;
using System.Collections.Immutable;
using ActorRollouts.Actors.Configuration;
using ActorRollouts.Actors.Fleets;
using ActorRollouts.Actors.Trace;
using ActorRollouts.Cli.Hosting;
using ActorRollouts.Core.Fleets;
using ActorRollouts.Core.Tasks;
using Akka.Actor;
using static ActorRollouts.Actors.Fleets.FleetCommands;
using static ActorRollouts.Actors.Fleets.FleetNotifications;

namespace ActorRollouts.Cli.Service;

/// <summary>The fleets <c>serve</c> runs: started by a client, or found open in the journal when the server starts (after a
/// crash too), and continued from it. Each runs under its own supervisor: in this process, or with <paramref name="cluster"/>
/// on the cluster's nodes, as a sharded fleet this process submits and follows (its plan and added tasks travel through the
/// journal's database). Every change a client asks for goes to the fleet's supervisor, which journals it before it answers.</summary>
public sealed class ServedFleets(ActorSystem system, RolloutSettings hocon, JournalLocation journal, bool cluster = false) : IAsyncDisposable
{
    /// <summary>The model gateway of the agent programs this process runs: started with the first fleet that has agent tasks.</summary>
    private readonly Lazy<Task<Gateway.AgentGatewayServer>> _gateway = new(() => Gateway.AgentGatewayServer.StartAsync(CancellationToken.None));

    private readonly ConcurrentDictionary<string, ServedFleet> _fleets = new(StringComparer.Ordinal);
    private readonly SemaphoreSlim _starting = new(1, 1);
    private readonly JournalReader _reader = new(system);
    private IActorRef? _region;

    /// <summary>The cluster's fleets, reached through a proxy (this process hosts none).</summary>
    private IActorRef Region => _region ??= Actors.Cluster.RolloutSharding.FleetProxy(system);

    /// <summary>How long a weight update may take: a <c>drain</c> waits for the requests in flight.</summary>
    private TimeSpan UpdateTimeout => hocon.Provider.RequestTimeout * 2 + TimeSpan.FromMinutes(1);

    private static readonly TimeSpan AskTimeout = TimeSpan.FromSeconds(30);

    public JournalReader Reader => _reader;

    /// <summary>Continues every open fleet in the journal; returns their ids.</summary>
    public async Task<ImmutableList<string>> ContinueAllAsync()
    {
        var continued = ImmutableList.CreateBuilder<string>();
        foreach (var id in await _reader.FleetIdsAsync())
        {
            var fleet = await _reader.FleetAsync(id);
            if (!fleet.Open || fleet.Settings is null) continue;
            await StartAsync(id, fleet, fleet.Settings, fleet.Sessions, fleet.Concurrency);
            continued.Add(id);
        }
        return continued.ToImmutable();
    }

    /// <summary><c>POST /v1/fleets</c>: plans and starts a fleet, or (<c>Created: false</c>) finds the one with that id.</summary>
    public async Task<(bool Created, string FleetId)> CreateAsync(string? fleetId, ServiceSettings.Parsed settings, IReadOnlyList<TaskDefinition> tasks)
    {
        if (fleetId is not null && !Commands.RunCommand.IsValidFleetId(fleetId))
            throw ApiError.BadRequest($"fleet_id '{fleetId}' may use only letters, digits, '.', '_' and '-' (at most 64).");
        var id = fleetId ?? Commands.RunCommand.NewFleetId("fleet");
        await _starting.WaitAsync();
        try
        {
            if (_fleets.ContainsKey(id)) return (false, id);
            var existing = await _reader.FleetAsync(id);
            if (existing.IsPlanned)
                throw ApiError.Conflict(existing.Open
                    ? $"fleet '{id}' is served by another process on {journal.Display}: ask that server."
                    : $"fleet '{id}' exists in {journal.Display} and was started by `run`, not by serve: continue it with `actor-rollouts resume {id}`.");
            // No default endpoint: a trainer's fleet names the server that holds its policy.
            if (settings.Change.BaseUrl is not { } baseUrl) throw ApiError.BadRequest("settings.base_url is required (the model server, e.g. http://gpu:8000/v1).");
            var fleetSettings = FleetOptions.Defaults(hocon).With(settings.Change);
            var paths = new FleetPaths(journal.DataDir, id);
            ImmutableList<SessionSpec> sessions;
            try
            {
                sessions = await FleetPlan.MakeAsync(id, tasks, fleetSettings, baseUrl, hocon, paths, journal, TextWriter.Null);
                // In a cluster the nodes run the sessions: this machine's sandbox and mounts are not theirs.
                if (cluster) ClusterFleetRun.CheckLaunchSizes(system, sessions);
                else FleetRun.CheckBeforeStart(fleetSettings, hocon.Under(fleetSettings), sessions, paths, baseUrl);
            }
            catch (UsageException ex)
            {
                throw ApiError.BadRequest(ServiceSettings.Named(ex.Message));
            }
            await StartAsync(id, existing, fleetSettings, sessions, settings.Concurrency ?? FleetOptions.DefaultConcurrency);
            return (true, id);
        }
        finally
        {
            _starting.Release();
        }
    }

    /// <summary>Takes the fleet's lock (no <c>resume</c> of it meanwhile), starts its supervisor, and waits until its plan is
    /// journaled.</summary>
    private async Task StartAsync(string id, FleetState existing, FleetSettings settings, ImmutableList<SessionSpec> sessions, int concurrency)
    {
        if (cluster)
        {
            await SubmitAsync(id, existing, settings, sessions, concurrency);
            return;
        }
        var paths = new FleetPaths(journal.DataDir, id);
        var fleetLock = await FleetLock.AcquireAsync(paths, journal);
        var current = sessions.Select((existing with { Settings = settings }).SpecFor);
        var gateway = sessions.Any(s => s.Agent is not null) ? await _gateway.Value : null;
        var services = new FleetServices(FleetRun.SessionServicesFor(system, hocon.Under(settings), paths, journal, current) with { Agents = gateway?.Links }, null);
        var supervisor = system.ActorOf(RolloutSupervisor.Props(id, services), $"fleet-{id}");
        var control = system.ActorOf(FleetControlWriter.Props(id, TimeProvider.System), $"control-{id}");
        _reader.FollowControl(id, request => supervisor.Tell(new Actors.Sessions.SessionCommands.CancelSession(request.SessionId, request.Reason)));
        supervisor.Tell(new RunFleet(sessions, concurrency, settings, Open: true));
        _fleets[id] = new ServedFleet(id, supervisor, control, fleetLock, new Pulse());
        await StatusAsync(id); // answered after the plan is journaled: Persist holds other messages back until then
    }

    /// <summary>A cluster fleet: the nodes run it (the fleet entity takes its lock, and follows <c>cancel</c> requests itself);
    /// this process hands it its run again every few seconds, as <c>run --seeds</c> does, so a fleet that moved knows where
    /// to report its progress. Waits until the fleet's plan is journaled.</summary>
    private async Task SubmitAsync(string id, FleetState existing, FleetSettings settings, ImmutableList<SessionSpec> sessions, int concurrency)
    {
        var supervisor = system.ActorOf(Actors.Cluster.ShardedGates.Forwarder(Region, id), $"fleet-{id}");
        var control = system.ActorOf(FleetControlWriter.Props(id, TimeProvider.System), $"control-{id}");
        var run = existing.IsPlanned
            ? new RunFleet([], concurrency, settings, Open: true)
            : new RunFleet([], concurrency, settings, Actors.Cluster.FleetPlans.Publish(journal.SharedContent!, sessions), Open: true);
        var rejected = new TaskCompletionSource<object>(TaskCreationOptions.RunContinuationsAsynchronously);
        var every = system.Settings.Config.GetTimeSpan("actor-rollouts.cluster.submit-interval", TimeSpan.FromSeconds(2));
        system.ActorOf(Actors.Cluster.FleetSubmitter.Props(id, run, Region, every, rejected), $"submitter-{id}");
        var deadline = DateTimeOffset.UtcNow + TimeSpan.FromMinutes(2);
        while (true)
        {
            if (rejected.Task.IsCompleted && await rejected.Task is FleetRejected no) throw ApiError.BadRequest(no.Reason);
            var status = await supervisor.Ask<FleetStatus>(GetStatus.Instance, AskTimeout);
            if (status.Open) break;
            if (DateTimeOffset.UtcNow > deadline) throw new ApiError(503, $"fleet '{id}' was submitted to the cluster, but no node has started it in 2 minutes (are the nodes up?)");
            await Task.WhenAny(rejected.Task, Task.Delay(TimeSpan.FromMilliseconds(100)));
        }
        _fleets[id] = new ServedFleet(id, supervisor, control, null, new Pulse());
    }

    /// <summary><c>POST /v1/fleets/{id}/tasks</c>: tasks whose id the fleet has are left out (idempotent by task id); the
    /// rest are planned under the fleet's settings now. Refused with 429 while more sessions wait than <c>max_queued</c>.</summary>
    public async Task<SessionsAdded> AddAsync(string fleetId, IReadOnlyList<TaskDefinition> tasks)
    {
        var fleet = Get(fleetId);
        var settings = (await StatusAsync(fleetId)).Settings!;
        // Planned under the settings now; the supervisor leaves out the tasks it has and refuses while it is full.
        ImmutableList<SessionSpec> sessions;
        try
        {
            sessions = await FleetPlan.MakeAsync(fleetId, tasks, settings, settings.BaseUrl!, hocon, new FleetPaths(journal.DataDir, fleetId), journal, TextWriter.Null);
        }
        catch (UsageException ex)
        {
            throw ApiError.BadRequest(ex.Message); // an image that cannot be had
        }
        var add = cluster ? new AddSessions([], Actors.Cluster.FleetPlans.Publish(journal.SharedContent!, sessions)) : new AddSessions(sessions);
        var answer = await fleet.Supervisor.Ask<object>(add, AskTimeout);
        return answer switch
        {
            SessionsAdded added => added,
            FleetRejected { Full: true } full => throw new ApiError(429, full.Reason, retryAfterSeconds: 2),
            FleetRejected rejected => throw ApiError.Conflict(rejected.Reason),
            _ => throw new InvalidOperationException($"unexpected answer {answer.GetType().Name}"),
        };
    }

    public async Task<FleetStatus> StatusAsync(string fleetId) =>
        await Get(fleetId).Supervisor.Ask<FleetStatus>(GetStatus.Instance, AskTimeout);

    /// <summary>Model requests in flight and held back, as the fleet's policy gate counts them.</summary>
    public async Task<Actors.Providers.PolicyGate.InFlight> InFlightAsync(string fleetId) =>
        await Get(fleetId).Supervisor.Ask<Actors.Providers.PolicyGate.InFlight>(Actors.Providers.PolicyGate.CountInFlight.Instance, AskTimeout);

    /// <summary><c>POST /v1/fleets/{id}/policy</c>: answered once the update is journaled and in effect.</summary>
    public async Task<PolicyUpdated> UpdatePolicyAsync(string fleetId, UpdatePolicy update)
    {
        var answer = await Get(fleetId).Supervisor.Ask<object>(update, UpdateTimeout);
        return answer switch
        {
            PolicyUpdated updated => updated,
            FleetRejected rejected => throw ApiError.Conflict(rejected.Reason),
            _ => throw new InvalidOperationException($"unexpected answer {answer.GetType().Name}"),
        };
    }

    /// <summary><c>POST /v1/sessions/{id}/cancel</c>: journaled in the fleet's control journal, which the fleet follows.
    /// False when the session had already ended.</summary>
    public async Task<bool> CancelAsync(string sessionId, string reason)
    {
        var fleetId = sessionId.Split(':')[0];
        if (!_fleets.TryGetValue(fleetId, out var fleet)) throw ApiError.NotFound($"no session '{sessionId}' in a fleet this server runs");
        var found = await fleet.Supervisor.Ask<SessionKnown>(new FindSession(sessionId), AskTimeout);
        if (!found.Known) throw ApiError.NotFound($"fleet '{fleetId}' has no session '{sessionId}'");
        if (found.Finished) return false;
        await fleet.Control.Ask<FleetControlWriter.Recorded>(new FleetControlWriter.RequestCancel(sessionId, reason), AskTimeout);
        return true;
    }

    /// <summary>Completes when the fleet next records a finished session (or anything else changes its progress).</summary>
    public Task NextChange(string fleetId) => Get(fleetId).Changes.Next;

    /// <summary>Called on every <c>FleetProgressed</c> of the EventStream.</summary>
    public void Progressed(string fleetId)
    {
        if (_fleets.TryGetValue(fleetId, out var fleet)) fleet.Changes.Fire();
    }

    public bool Has(string fleetId) => _fleets.ContainsKey(fleetId);

    private ServedFleet Get(string fleetId) =>
        _fleets.TryGetValue(fleetId, out var fleet) ? fleet : throw ApiError.NotFound($"no fleet '{fleetId}' on this server");

    public async ValueTask DisposeAsync()
    {
        foreach (var fleet in _fleets.Values) fleet.Lock?.Dispose();
        if (_gateway.IsValueCreated && _gateway.Value is { IsCompletedSuccessfully: true } started) await (await started).DisposeAsync();
    }

    /// <summary><paramref name="Supervisor"/>: the fleet's, or a stand-in for the cluster's. <paramref name="Lock"/>: held while
    /// this process runs the fleet (null in a cluster, where the fleet's node holds it).</summary>
    private sealed record ServedFleet(string FleetId, IActorRef Supervisor, IActorRef Control, FleetLock? Lock, Pulse Changes);

    /// <summary>A signal waiters take before they read, so a change that lands while they read still wakes them.</summary>
    private sealed class Pulse
    {
        private TaskCompletionSource _next = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public Task Next => Volatile.Read(ref _next).Task;

        public void Fire() => Interlocked.Exchange(ref _next, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();
    }
}
