using Mesh.Manifests.AppModel;
using Mesh.Manifests.Aspire;

namespace Mesh.Manifests.Tests;

/// <summary>The Aspire manifest's expressions as Kubernetes names, on small manifests made for each case.</summary>
public sealed class AppModelReaderTests
{
    private const string TwoServices = """
        {
          "resources": {
            "db-password": { "type": "parameter.v0", "value": "{db-password.inputs.value}",
                             "inputs": { "value": { "type": "string", "secret": true } } },
            "db": { "type": "container.v0", "image": "docker.io/library/postgres:18.3",
                    "connectionString": "Host={db.bindings.tcp.host};Port={db.bindings.tcp.port};Password={db-password.value}",
                    "env": { "POSTGRES_PASSWORD": "{db-password.value}" },
                    "volumes": [ { "name": "apphost-0123456789-db-data", "target": "/var/lib/postgresql", "readOnly": false } ],
                    "bindings": { "tcp": { "scheme": "tcp", "protocol": "tcp", "transport": "tcp", "targetPort": 5432 } } },
            "ordersdb": { "type": "value.v0", "connectionString": "{db.connectionString};Database=orders" },
            "orders": { "type": "project.v0", "path": "../services/Orders/Mesh.Orders.csproj",
                        "env": { "Kestrel__Endpoints__grpc__Url": "http://127.0.0.1:{orders.bindings.grpc.targetPort}",
                                 "ConnectionStrings__ordersdb": "{ordersdb.connectionString}" },
                        "bindings": { "grpc": { "scheme": "http", "protocol": "tcp", "transport": "http2" } } },
            "front": { "type": "project.v0", "path": "../services/Front/Mesh.Front.csproj",
                       "env": { "services__orders__grpc__0": "{orders.bindings.grpc.url}" },
                       "bindings": { "http": { "scheme": "http", "protocol": "tcp", "transport": "http" } } }
          }
        }
        """;

    [Fact]
    public void Expressions_become_Kubernetes_names_and_secrets_become_references()
    {
        var model = AppModelReader.Read(AspireManifest.Parse(TwoServices), new Dictionary<string, int> { ["orders"] = 3 });

        var orders = model["orders"];
        Assert.Equal(WorkloadKind.Service, orders.Kind);
        Assert.Equal("mesh-orders:latest", orders.Image);
        Assert.Equal(3, orders.Replicas);
        Assert.Equal(new WorkloadEnv("SECRET_DB_PASSWORD", null, new SecretKey("db-password", "value")), orders.Env[0]);
        Assert.Contains(new WorkloadEnv("Kestrel__Endpoints__grpc__Url", "http://*:8081", null), orders.Env);
        Assert.Contains(new WorkloadEnv("ConnectionStrings__ordersdb", "Host=db;Port=5432;Password=$(SECRET_DB_PASSWORD);Database=orders", null), orders.Env);
        Assert.Equal(["db"], orders.References);

        Assert.Contains(new WorkloadEnv("services__orders__grpc__0", "http://orders:8081", null), model["front"].Env);
        Assert.Equal(["orders"], model["front"].References);
        Assert.Equal(["front"], model.CallersOf("orders"));
        Assert.Equal("front", Assert.Single(model.Edge).Name);

        var db = model["db"];
        Assert.Equal(WorkloadKind.Server, db.Kind);
        Assert.Equal(new WorkloadEnv("POSTGRES_PASSWORD", null, new SecretKey("db-password", "value")), Assert.Single(db.Env));
        Assert.Equal(new WorkloadVolume("data", "/var/lib/postgresql", false), Assert.Single(db.Volumes));
        Assert.Equal(1, db.Replicas);
        Assert.Equal(["db-password"], model.SecretNames);
    }

    [Fact]
    public void A_local_process_resource_is_refused_rather_than_dropped()
    {
        var manifest = AspireManifest.Parse("""{ "resources": { "postgres": { "type": "executable.v0", "command": "/usr/bin/postgres" } } }""");
        var error = Assert.Throws<InvalidDataException>(() => AppModelReader.Read(manifest, new Dictionary<string, int>()));
        Assert.Contains("--Mesh:Servers=containers", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_expression_without_a_Kubernetes_meaning_stops_the_generator()
    {
        var manifest = AspireManifest.Parse("""
            { "resources": { "svc": { "type": "project.v0", "path": "Svc.csproj",
              "env": { "X": "{svc.bindings.http.nonsense}" },
              "bindings": { "http": { "scheme": "http", "protocol": "tcp", "transport": "http" } } } } }
            """);
        Assert.Throws<InvalidDataException>(() => AppModelReader.Read(manifest, new Dictionary<string, int>()));
    }
}
