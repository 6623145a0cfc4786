using Mesh.Benchmarks.Edge.Proto;

namespace Mesh.Benchmarks.Edge;

/// <summary>
/// The backend of the edge benchmark: builds a small Item from the id, no I/O. Deliberately cheap, so the
/// comparison shows the edge's own cost rather than hiding it behind a slow service.
/// </summary>
public sealed class CatalogBackend : Proto.Catalog.CatalogBase // qualified: Mesh.Catalog (the catalog service) is a namespace too
{
    public override Task<Item> GetItem(GetItemRequest request, ServerCallContext context) =>
        Task.FromResult(new Item
        {
            Id = request.Id,
            Name = "Ergonomic keyboard",
            Category = "peripherals",
            PriceCents = 8999,
            Stock = 17,
            Active = true,
        });
}
