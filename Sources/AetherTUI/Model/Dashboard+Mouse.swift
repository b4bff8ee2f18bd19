import Aether

/// Mouse clicks: what the views drew at that place (`Canvas.clickTargets`), so a click selects
/// the row shown there, scrolled or not, whatever the layout.
extension Dashboard {
    mutating func click(x: Int, y: Int) -> [Effect] {
        switch Renderer.render(self).clickTarget(x: x, y: y) {
        case .tab(let target):
            return switchView(to: target)
        case .actor(let index):
            if visibleActors.indices.contains(index) { actorSelection = index }
        case .tail(let index):
            if visibleTail.indices.contains(index) { tailCursor = index }
        case .member(let index):
            if let members = cluster?.members, members.indices.contains(index) { memberSelection = index }
        case nil:
            break
        }
        return []
    }
}
