"""Operations over a whole project: import, export, demo creation."""
