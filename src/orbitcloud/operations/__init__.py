"""Operations: station keeping, lifetime, conjunction screening, formation flying."""
