using System.Collections.Immutable;
using ActorRollouts.Core.Model;
using ActorRollouts.Environments;
using ActorRollouts.Providers.OpenAI;

namespace ActorRollouts.Bench.Modes;

/// <summary>The floor a user could hand-write: the same OpenAI SDK calls (our streaming Chat Completions client) and
/// the same tool code (<see cref="ToolExecutor"/> on the same copy-on-write workspace, <c>bash</c> in the same sandbox)
/// in a plain async loop, no actors, nothing persisted.</summary>
public sealed class BareLoopMode : IMode
{
    public string Name => "bare-loop";

    public async Task<ModeResult> RunAsync(Workload workload, Uri baseUrl, string workDir, CancellationToken cancel)
    {
        var template = workload.TemplateIn(workDir);
        var clock = new StepClock();
        var client = new TimedModelClient(new OpenAiModelClient(new ProviderSettings(TimeSpan.FromSeconds(120))), clock);
        var endpoint = new Endpoint(baseUrl.ToString().TrimEnd('/'), BenchFiles.Model);
        var tools = ToolCatalog.Specs(workload.ToolNames, EnvironmentOptions.Default);
        return await SessionDriver.RunAsync(Name, workload, clock, async (i, ct) =>
        {
            var sessionId = $"bare:t{i:d5}:0";
            using var workspace = await Workspace.OpenAsync(Path.Combine(workDir, "workspaces", $"t{i:d5}-0"), template);
            var executor = new ToolExecutor(workspace, workload.ToolNames, EnvironmentOptions.Default);
            var messages = ImmutableList.Create(Message.System(BenchFiles.System), Message.User(BenchFiles.Prompt));
            for (var turn = 1; turn <= workload.ModelCallsPerSession; turn++)
            {
                var response = await client.CompleteAsync(new ModelRequest(endpoint, messages, tools, turn, sessionId), null, ct);
                messages = messages.Add(response.Assistant);
                if (response.Assistant.ToolCalls is not { IsEmpty: false } calls) break;
                foreach (var call in calls)
                    messages = messages.Add(Message.ToolMessage((await executor.ExecuteAsync(call, ct)).Outcome));
            }
        }, cancel);
    }
}
