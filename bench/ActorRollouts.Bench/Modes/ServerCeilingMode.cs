using System.Text;
using System.Text.Json.Nodes;

namespace ActorRollouts.Bench.Modes;

/// <summary>The limit of this machine: the same streaming Chat Completions requests each session would send, as
/// prebuilt bodies on a bare HttpClient, no SDK, no tools. Nothing can run the workload faster than the server answers
/// it.</summary>
public sealed class ServerCeilingMode : IMode
{
    public string Name => "server-ceiling";

    public async Task<ModeResult> RunAsync(Workload workload, Uri baseUrl, string workDir, CancellationToken cancel)
    {
        var bodies = Enumerable.Range(0, workload.ModelCallsPerSession).Select(RequestBody).ToArray();
        var url = new Uri(baseUrl.ToString().TrimEnd('/') + "/chat/completions");
        using var http = new HttpClient(new SocketsHttpHandler { PooledConnectionIdleTimeout = TimeSpan.FromMinutes(2) }) { Timeout = TimeSpan.FromMinutes(2) };
        var clock = new StepClock();
        return await SessionDriver.RunAsync(Name, workload, clock, async (i, ct) =>
        {
            var sessionId = $"ceiling:{i}";
            foreach (var body in bodies)
            {
                clock.CallStarting(sessionId);
                using var content = new ByteArrayContent(body);
                content.Headers.ContentType = new("application/json");
                using var response = await http.PostAsync(url, content, ct);
                response.EnsureSuccessStatusCode();
                await response.Content.CopyToAsync(Stream.Null, ct);
            }
        }, cancel);
    }

    /// <summary>The request of turn <paramref name="turn"/>: the transcript with the earlier turns' calls and results.</summary>
    private static byte[] RequestBody(int turn)
    {
        var messages = new JsonArray(
            new JsonObject { ["role"] = "system", ["content"] = BenchFiles.System },
            new JsonObject { ["role"] = "user", ["content"] = BenchFiles.Prompt });
        for (var i = 0; i < turn; i++)
        {
            var (name, arguments) = BenchFiles.ToolCallOf(i);
            messages.Add(new JsonObject
            {
                ["role"] = "assistant", ["content"] = $"Step {i + 1}.",
                ["tool_calls"] = new JsonArray(new JsonObject
                {
                    ["id"] = $"call_{i}", ["type"] = "function",
                    ["function"] = new JsonObject { ["name"] = name, ["arguments"] = arguments },
                }),
            });
            messages.Add(new JsonObject { ["role"] = "tool", ["tool_call_id"] = $"call_{i}", ["content"] = "ok" });
        }
        var body = new JsonObject
        {
            ["model"] = BenchFiles.Model, ["messages"] = messages, ["stream"] = true,
            ["stream_options"] = new JsonObject { ["include_usage"] = true },
        };
        return Encoding.UTF8.GetBytes(body.ToJsonString());
    }
}
