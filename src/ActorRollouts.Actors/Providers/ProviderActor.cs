using ActorRollouts.Actors.Configuration;
using ActorRollouts.Actors.Sessions;
using ActorRollouts.Core.Gates;
using ActorRollouts.Core.Model;
using ActorRollouts.Core.Retry;
using Akka.Actor;
using Akka.Event;
using static ActorRollouts.Actors.Providers.ProviderProtocol;

namespace ActorRollouts.Actors.Providers;

/// <summary>Runs one model call at a time for its session, off the mailbox (PipeTo), and retries failed attempts
/// with backoff. Every attempt and its outcome is reported to the session, which journals it. Deltas go straight to
/// the EventStream for live watchers.</summary>
public sealed class ProviderActor : ReceiveActor, IWithTimers
{
    private readonly IModelClient _client;
    private readonly ProviderRetrySettings _settings;
    private readonly string _sessionId;
    private readonly IActorRef? _gate;
    private readonly IActorRef? _policy;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private CancellationTokenSource? _inFlight;
    private (ModelRequest Request, int Attempt)? _awaitingPolicy;
    private (ModelRequest Request, int Attempt)? _awaitingGate;

    /// <summary>The attempt in flight or waiting at the endpoint gate, once the policy gate let it through.</summary>
    private (ModelRequest Request, int Attempt)? _current;

    /// <summary>Set when a weight update cut the attempt in flight: its failure is reported as aborted, not retried.</summary>
    private string? _aborting;

    /// <summary>A cut attempt waiting for the update to be applied: it is reported aborted then, so that the session sends
    /// it again once it has the new settings (never under the old ones).</summary>
    private string? _cut;

    /// <summary>The attempt the session journaled itself when it asked for the call; later ones (retries) are announced.</summary>
    private int _journaledAttempt = 1;

    /// <summary>The session stopped while a call was going on: its outcome is dropped and nothing is retried.</summary>
    private bool _abandoned;

    public ITimerScheduler Timers { get; set; } = null!;

    public ProviderActor(IModelClient client, ProviderRetrySettings settings, string sessionId, IActorRef? gate, IActorRef? policy)
    {
        _client = client;
        _settings = settings;
        _sessionId = sessionId;
        _gate = gate;
        _policy = policy;

        Receive<CallModel>(call =>
        {
            _abandoned = false;
            _journaledAttempt = call.Attempt;
            PassPolicy(call.Request, call.Attempt);
        });
        Receive<RetryAttempt>(retry => PassPolicy(retry.Request, retry.Attempt));
        Receive<PolicyGate.Granted>(OnPolicyGranted);
        Receive<PolicyGate.Refused>(refused =>
        {
            if (_awaitingPolicy is not var (request, attempt) || RequestId(request, attempt) != refused.RequestId) return;
            _awaitingPolicy = null;
            if (_abandoned) return;
            var cut = _cut == refused.RequestId;
            _cut = null;
            Context.Parent.Tell(new AttemptAborted(request.Turn, attempt, cut
                ? $"cut by a weight update (mode abort); sent again under policy version {refused.Version}"
                : $"held back unsent while the policy changed to version {refused.Version}; sent again under it"));
        });
        Receive<PolicyGate.Abort>(OnAbort);
        Receive<EndpointGate.Granted>(OnGranted);
        Receive<AttemptSucceeded>(ok =>
        {
            ReleaseGate(ok.Request, ok.Attempt, ok.Response.Usage.InputTokens + ok.Response.Usage.OutputTokens);
            if (_abandoned) return;
            if (_aborting == RequestId(ok.Request, ok.Attempt)) ReportAborted(ok.Request, ok.Attempt); // answered as it was cut: dropped all the same
            else Context.Parent.Tell(new ModelAnswered(ok.Request.Turn, ok.Response));
        });
        Receive<AttemptErrored>(failed =>
        {
            ReleaseGate(failed.Request, failed.Attempt, null);
            if (_abandoned) return;
            if (_aborting == RequestId(failed.Request, failed.Attempt)) ReportAborted(failed.Request, failed.Attempt);
            else OnAttemptErrored(failed);
        });
        Receive<CancelCall>(_ =>
        {
            _abandoned = true;
            _awaitingGate = null;
            Timers.Cancel("retry");
            _inFlight?.Cancel();
        });
    }

    public static Props Props(IModelClient client, ProviderRetrySettings settings, string sessionId, IActorRef? gate = null, IActorRef? policy = null) =>
        Akka.Actor.Props.Create<ProviderActor>(client, settings, sessionId, gate, policy);

    /// <summary>In a served fleet every attempt first passes its <see cref="PolicyGate"/> (a weight update may hold it).</summary>
    private void PassPolicy(ModelRequest request, int attempt)
    {
        if (_policy is null)
        {
            PassGate(request, attempt);
            return;
        }
        _awaitingPolicy = (request, attempt);
        _policy.Tell(new PolicyGate.Acquire(RequestId(request, attempt), request.Endpoint.PolicyVersion));
    }

    private void OnPolicyGranted(PolicyGate.Granted granted)
    {
        if (_awaitingPolicy is not var (request, attempt) || RequestId(request, attempt) != granted.RequestId || _abandoned)
        {
            _policy?.Tell(new PolicyGate.Release(granted.RequestId)); // a grant nobody waits for any more is given back
            return;
        }
        if (_cut == granted.RequestId)
        {
            // The update kept the version (nothing to relabel), but the attempt was cut: it still goes out anew.
            _policy!.Tell(new PolicyGate.Release(granted.RequestId));
            Self.Tell(new PolicyGate.Refused(granted.RequestId, request.Endpoint.PolicyVersion));
            return;
        }
        _awaitingPolicy = null;
        PassGate(request, attempt);
    }

    /// <summary>A weight update in <c>abort</c> mode: the attempt is cut (or, still waiting at the endpoint gate, never sent),
    /// and reported aborted once its task has ended.</summary>
    private void OnAbort(PolicyGate.Abort abort)
    {
        if (_current is not var (request, attempt) || RequestId(request, attempt) != abort.RequestId) return;
        _aborting = abort.RequestId;
        if (_awaitingGate is not null)
        {
            _awaitingGate = null;
            ReleaseGate(request, attempt, null);
            ReportAborted(request, attempt);
            return;
        }
        _inFlight?.Cancel();
    }

    /// <summary>The cut attempt asks the gate again and waits there, closed until the update is applied; its refusal then
    /// reports it aborted (<see cref="PolicyGate.Refused"/>).</summary>
    private void ReportAborted(ModelRequest request, int attempt)
    {
        _aborting = null;
        _cut = RequestId(request, attempt);
        PassPolicy(request, attempt);
    }

    /// <summary>With a gate, every attempt (retries too) waits for the endpoint's permission first.</summary>
    private void PassGate(ModelRequest request, int attempt)
    {
        _current = (request, attempt);
        if (_gate is null)
        {
            Go(request, attempt);
            return;
        }
        _awaitingGate = (request, attempt);
        _gate.Tell(new EndpointGate.Acquire(RequestId(request, attempt), TokenEstimate.For(request)));
    }

    private void OnGranted(EndpointGate.Granted granted)
    {
        if (_awaitingGate is not var (request, attempt) || RequestId(request, attempt) != granted.RequestId)
        {
            _gate?.Tell(new EndpointGate.Release(granted.RequestId, null)); // a grant nobody waits for any more is given back
            return;
        }
        _awaitingGate = null;
        Go(request, attempt);
    }

    /// <summary>Retries are announced to the session (it journals them); the attempt it asked for it journaled itself.</summary>
    private void Go(ModelRequest request, int attempt)
    {
        if (attempt > _journaledAttempt) Context.Parent.Tell(new AttemptStarting(request.Turn, attempt));
        StartAttempt(request, attempt);
    }

    private void ReleaseGate(ModelRequest request, int attempt, long? tokens)
    {
        var id = RequestId(request, attempt);
        if (_current is var (r, a) && RequestId(r, a) == id) _current = null;
        _gate?.Tell(new EndpointGate.Release(id, tokens));
        _policy?.Tell(new PolicyGate.Release(id));
    }

    private string RequestId(ModelRequest request, int attempt) => $"{_sessionId}/{request.Turn}/{attempt}";

    private void StartAttempt(ModelRequest request, int attempt)
    {
        _inFlight?.Dispose();
        var timeout = new CancellationTokenSource(_settings.RequestTimeout);
        _inFlight = timeout;
        _client.CompleteAsync(request, DeltaPublisher(request.Turn), timeout.Token)
            .PipeTo(Self,
                success: response => new AttemptSucceeded(request, attempt, response),
                failure: error => new AttemptErrored(request, attempt, error, timeout.IsCancellationRequested));
    }

    /// <summary>Publishes the request's streamed deltas if someone watches this session; otherwise none are built.</summary>
    private Action<ModelDelta>? DeltaPublisher(int turn)
    {
        if (!DeltaWatch.For(Context.System).IsWatched(_sessionId)) return null;
        // The callback runs on the HTTP stream's thread: capture what it needs, never touch Context there.
        var eventStream = Context.System.EventStream;
        var sessionId = _sessionId;
        return delta => eventStream.Publish(new SessionNotifications.SessionDelta(sessionId, turn, delta));
    }

    private void OnAttemptErrored(AttemptErrored failed)
    {
        var (kind, status, retryAfter, retryable, message) = Describe(failed);
        var tooLongToWait = retryAfter > _settings.MaxRetryAfter;
        var willRetry = retryable && !tooLongToWait && failed.Attempt < _settings.MaxAttempts;
        if (tooLongToWait) message += $" (server asked to wait {retryAfter!.Value.TotalSeconds:0.#} s, more than the {_settings.MaxRetryAfter.TotalSeconds:0} s allowed)";

        _log.Warning("Session {0} turn {1} attempt {2} failed ({3}): {4}{5}", _sessionId, failed.Request.Turn, failed.Attempt,
            kind, message, willRetry ? " — retrying" : "");
        Context.Parent.Tell(new AttemptFailed(failed.Request.Turn, failed.Attempt, kind, status, retryAfter, willRetry, message));
        if (!willRetry) return;

        var delay = Backoff.Delay(failed.Attempt, retryAfter, _settings.InitialBackoff, _settings.MaxBackoff, Random.Shared.NextDouble());
        Timers.StartSingleTimer("retry", new RetryAttempt(failed.Request, failed.Attempt + 1), delay);
    }

    private static (string Kind, int? Status, TimeSpan? RetryAfter, bool Retryable, string Message) Describe(AttemptErrored failed) =>
        failed.Error switch
        {
            ModelCallException e => (e.Kind, e.HttpStatus, e.RetryAfter, e.Retryable, e.Message),
            OperationCanceledException when failed.TimedOut =>
                (ModelErrorKinds.Timeout, null, null, true, "the request timed out"),
            _ => (ModelErrorKinds.Protocol, null, null, false, $"unexpected {failed.Error.GetType().Name}: {failed.Error.Message}"),
        };

    protected override void PostStop()
    {
        _inFlight?.Cancel();
        _inFlight?.Dispose();
        base.PostStop();
    }

    private sealed record RetryAttempt(ModelRequest Request, int Attempt);

    private sealed record AttemptSucceeded(ModelRequest Request, int Attempt, ModelResponse Response);

    private sealed record AttemptErrored(ModelRequest Request, int Attempt, Exception Error, bool TimedOut);
}
