using System.Collections.Immutable;
using System.Text.Json;
using ActorRollouts.Actors.Configuration;
using ActorRollouts.Actors.Fleets;
using ActorRollouts.Actors.Sessions;
using ActorRollouts.Core.Model;
using ActorRollouts.Core.Tasks;
using ActorRollouts.FakeLlm;
using ActorRollouts.Providers.OpenAI;
using Akka.Actor;

namespace ActorRollouts.Actors.Tests;

/// <summary>Real parts for actor tests: the OpenAI Chat client over real HTTP to a scripted server on 127.0.0.1,
/// a real workspace template, the real tools.</summary>
internal static class Fixtures
{
    public static SessionServices Services(ActorSystem system, string dataDir) =>
        new(new OpenAiModelClient(new ProviderSettings(TimeSpan.FromSeconds(20))), RolloutSettings.From(system.Settings.Config),
            Path.Combine(dataDir, "workspaces"), TimeProvider.System);

    public static FleetServices Fleet(ActorSystem system, string dataDir) =>
        new(Services(system, dataDir), Path.Combine(dataDir, "trajectories.jsonl"));

    public static string Template(string dataDir, params (string Path, string Content)[] files)
    {
        var dir = Path.Combine(dataDir, "template");
        foreach (var (path, content) in files)
        {
            Directory.CreateDirectory(Path.GetDirectoryName(Path.Combine(dir, path))!);
            File.WriteAllText(Path.Combine(dir, path), content);
        }
        Directory.CreateDirectory(dir);
        return dir;
    }

    public static SessionSpec Spec(string fleetId, string taskId, string prompt, Uri baseUrl, string? template = null,
        int maxTurns = 10, int sample = 0, string model = "gpt-4o") =>
        new(SessionSpec.MakeSessionId(fleetId, taskId, sample), fleetId, taskId, sample, prompt, "You are a test agent.",
            new Endpoint(baseUrl.ToString(), model, ApiRouting.Resolve(ApiRouting.Auto, model), "AR_TEST_UNSET_KEY"), maxTurns, template,
            ["read_file", "write_file", "edit_file", "list_files"]);

    public static Task<FakeLlmServer> Server(string scriptJson) => FakeLlmServer.StartAsync(FakeScript.Parse(scriptJson));

    /// <summary>Which turn a recorded request asked for (0-based), as the scripted server worked it out.</summary>
    public static int TurnIndexOf(RecordedRequest request) => request.Turn ?? -1;

    public static ImmutableList<RecordedRequest> ModelCalls(FakeLlmServer server) =>
        server.Requests.Where(r => r.Path is "/v1/chat/completions" or "/v1/responses").ToImmutableList();
}

/// <summary>Stands in for a session's supervisor: creates the child, passes it what the test sends, and forwards
/// whatever the child tells its parent to <paramref name="target"/>.</summary>
internal sealed class StepParent : ReceiveActor
{
    public StepParent(Props child, IActorRef target)
    {
        var created = Context.ActorOf(child, "child");
        ReceiveAny(message =>
        {
            if (Sender.Equals(created)) target.Forward(message);
            else created.Forward(message);
        });
    }

    public static Props Props(Props child, IActorRef target) => Akka.Actor.Props.Create(() => new StepParent(child, target));
}
