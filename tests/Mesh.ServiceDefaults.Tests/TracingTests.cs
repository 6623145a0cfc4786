using System.Diagnostics;
using Mesh.ServiceDefaults.Telemetry;
using Mesh.ServiceDefaults.Tests.Proto;
using Mesh.ServiceDefaults.Tests.Support;
using Mesh.Testing;
using OpenTelemetry;
using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry.Trace;
using RabbitMQ.Client;
using RabbitMQ.Client.Events;

namespace Mesh.ServiceDefaults.Tests;

/// <summary>One trace id from a caller, over a gRPC hop into a service, through RabbitMQ to a consumer.</summary>
public sealed class TracingTests(IsolatedData data) : IClassFixture<IsolatedData>
{
    private static readonly ActivitySource TestSource = new("Mesh.ServiceDefaults.Tests");

    [Fact]
    public async Task A_trace_crosses_a_grpc_hop_and_a_rabbitmq_hop_with_one_trace_id()
    {
        var ct = TestContext.Current.CancellationToken;
        // Each host traces with its own OpenTelemetry pipeline from AddServiceDefaults; each also exports here.
        var serverExporter = new CollectingExporter();
        var clientExporter = new CollectingExporter();

        var factory = new ConnectionFactory { Uri = new Uri(await data.RabbitMqConnectionStringAsync()) };
        await using var connection = await factory.CreateConnectionAsync(ct);
        await using var publishChannel = await connection.CreateChannelAsync(cancellationToken: ct);
        await using var consumeChannel = await connection.CreateChannelAsync(cancellationToken: ct);
        const string queue = "bookings.created";
        await publishChannel.QueueDeclareAsync(queue, durable: false, exclusive: false, autoDelete: true, cancellationToken: ct);

        // The service publishes while serving the call, as an outbox relay would after it.
        await using var service = await ServiceHost.StartAsync("booking",
            builder => builder.Services.AddOpenTelemetry().WithTracing(t => t.AddProcessor(new SimpleActivityExportProcessor(serverExporter))));
        service.State.OnForward = async _ =>
        {
            var properties = new BasicProperties { MessageId = Guid.NewGuid().ToString() };
            using (RabbitMqTracing.StartPublish(properties, "", queue))
                await publishChannel.BasicPublishAsync("", queue, mandatory: false, properties, "created"u8.ToArray(), ct);
        };

        var consumed = new TaskCompletionSource<ActivityTraceId>(TaskCreationOptions.RunContinuationsAsynchronously);
        var consumer = new AsyncEventingBasicConsumer(consumeChannel);
        consumer.ReceivedAsync += async (_, delivery) =>
        {
            ActivityTraceId seen;
            using (var activity = RabbitMqTracing.StartConsume(delivery, queue))
                seen = activity?.TraceId ?? default;
            consumed.TrySetResult(seen);   // after the span ended (and was exported), not inside it
            await consumeChannel.BasicAckAsync(delivery.DeliveryTag, multiple: false);
        };
        await consumeChannel.BasicConsumeAsync(queue, autoAck: false, consumer, ct);

        // Outside Development a service records a share of the traces it starts (TraceSampling); this caller starts
        // the test's trace and records every one. The service keeps the caller's decision, as it does by default.
        await using var caller = await TestClient.StartAsync([service.GrpcAddress], service: "booking",
            settings: new Dictionary<string, string?> { [TraceSampling.SamplerKey] = "parentbased_always_on" },
            configure: builder => builder.Services.AddOpenTelemetry().WithTracing(t => t
                .AddSource(TestSource.Name)
                .AddProcessor(new SimpleActivityExportProcessor(clientExporter))));
        ActivityTraceId traceId;
        ProbeReply reply;
        using (var root = TestSource.StartActivity("test: book a seat"))
        {
            Assert.NotNull(root);
            traceId = root.TraceId;
            reply = await caller.Client.ForwardAsync(new ProbeRequest { Key = "trace" }, cancellationToken: ct);
            // The gRPC client instrumentation suppresses the HttpClient span under its own for the call only:
            // what the caller does after the call is traced again.
            using var after = TestSource.StartActivity("test: after the call");
            Assert.NotNull(after);
            Assert.True(after.Recorded, "a span after a gRPC call is not recorded");
        }
        var consumerTraceId = await consumed.Task.WaitAsync(TimeSpan.FromSeconds(60), ct);

        Assert.Equal(traceId.ToString(), reply.TraceId);  // the handler ran inside the trace
        Assert.Equal(traceId, consumerTraceId);            // and so did the consumer, across the broker

        // The server's span ends after its response is on the wire: wait for all four instead of racing it.
        await Wait.UntilAsync(() => Task.FromResult(Spans([serverExporter, clientExporter], traceId).Count >= 4), "the client, server, publish and consume spans");
        var spans = Spans([serverExporter, clientExporter], traceId);
        // The gRPC client instrumentation's span of the call, and ASP.NET Core's span of the request it served.
        var client = Assert.Single(spans, s => s.Kind == ActivityKind.Client && Equals(s.GetTagItem("rpc.method"), "mesh.defaults_test.v1.Probe/Forward"));
        Assert.Equal("grpc", client.GetTagItem("rpc.system.name"));
        Assert.Equal("OK", client.GetTagItem("rpc.response.status_code")?.ToString());
        var server = Assert.Single(spans, s => s.Kind == ActivityKind.Server && Equals(s.GetTagItem("grpc.method"), "/mesh.defaults_test.v1.Probe/Forward"));
        Assert.Equal("0", server.GetTagItem("grpc.status_code")?.ToString());
        Assert.Single(spans, s => s.Kind == ActivityKind.Producer && s.Source.Name == MeshTelemetry.MessagingSourceName);
        Assert.Single(spans, s => s.Kind == ActivityKind.Consumer && s.Source.Name == MeshTelemetry.MessagingSourceName);

        // One client span per call: the server span is the gRPC client span's child, with no HttpClient span between.
        Assert.Equal(client.SpanId, server.ParentSpanId);
        Assert.Single(spans, s => s.Kind == ActivityKind.Client);
    }

    /// <summary>The spans of one trace, once each (both hosts' pipelines see every span in this process).</summary>
    private static List<Activity> Spans(CollectingExporter[] exporters, ActivityTraceId traceId) =>
        exporters.SelectMany(e => e.Spans).Where(s => s.TraceId == traceId).DistinctBy(s => s.SpanId).ToList();
}
